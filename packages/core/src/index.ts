/**
 * @emporia/core — the domain: schemas, services, ports, events and errors. No I/O.
 */
export * from './shared/errors.js';
export * from './shared/clock.js';
export * from './shared/context.js';
export * from './shared/ids.js';
export * from './shared/money.js';
export * from './shared/pagination.js';
export * from './shared/config.js';
export * from './shared/store.js';
export * from './shared/tokens.js';
export * from './identity/permissions.js';
export * from './catalog/schemas.js';
export * from './catalog/ports.js';
export * from './catalog/inventory.service.js';
export * from './notifications/events.js';
export type {} from './notifications/ports.js';
export * from './notifications/bus.js';
export * from './notifications/mail.js';
export * from './notifications/templates.js';
export * from './notifications/module.js';
export { MAIL_JOB, MAIL_SUBSCRIBER } from './notifications/mail.notifier.js';
export * from './jobs/schemas.js';
export * from './jobs/ports.js';
export * from './jobs/runner.js';
export * from './jobs/jobs.service.js';
export * from './engine.js';
