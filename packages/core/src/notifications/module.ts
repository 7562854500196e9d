import type { Container } from 'inversify';
import type { Config } from '../shared/config.js';
import type { Store } from '../shared/store.js';
import { TOKENS } from '../shared/tokens.js';
import type { JobsService } from '../jobs/jobs.service.js';
import type { EventBus } from './bus.js';
import type { Mailer } from './mail.js';
import { subscribeMail } from './mail.notifier.js';
import { defaultMailTemplates, type MailTemplates } from './templates.js';
import type { WebhookSender } from './webhooks.ports.js';
import { WebhooksService } from './webhooks.service.js';

/** Optional notification ports: without a mailer no e-mail is queued. */
export interface NotificationPorts {
  mailer?: Mailer;
  /** Replaces any of the built-in templates. */
  mailTemplates?: Partial<MailTemplates>;
  /** Sends outgoing webhooks; without one, subscriptions can be managed but nothing is sent. */
  webhookSender?: WebhookSender;
}

export const NOTIFICATION_TOKENS = {
  Mailer: Symbol.for('emporia.Mailer'),
  MailTemplates: Symbol.for('emporia.MailTemplates'),
  WebhooksService: Symbol.for('emporia.WebhooksService'),
} as const;

/** Binds mail and webhooks, subscribing them to the bus when their ports are given. */
export function installNotifications(
  container: Container,
  jobs: JobsService,
  bus: EventBus,
  ports: NotificationPorts,
): WebhooksService {
  const store = container.get<Store>(TOKENS.Store);
  const config = container.get<Config>(TOKENS.Config);
  const templates: MailTemplates = { ...defaultMailTemplates, ...ports.mailTemplates };
  container.bind(NOTIFICATION_TOKENS.MailTemplates).toConstantValue(templates);
  if (ports.mailer) {
    container.bind(NOTIFICATION_TOKENS.Mailer).toConstantValue(ports.mailer);
    subscribeMail({ bus, jobs, store, mailer: ports.mailer, templates, config });
  }
  const webhooks = new WebhooksService(store, config);
  container.bind(NOTIFICATION_TOKENS.WebhooksService).toConstantValue(webhooks);
  if (ports.webhookSender) webhooks.install(bus, jobs, ports.webhookSender);
  return webhooks;
}
