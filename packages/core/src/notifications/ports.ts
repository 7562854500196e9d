import type { EventOutbox } from './events.js';

/**
 * Inversify tokens of the notifications module: its services, the repositories it takes from the
 * store, and the optional ports an embedder passes to `createEngine({ notifications })`.
 */
export const NOTIFICATION_TOKENS = {
  EventBus: Symbol.for('emporia.EventBus'),
  WebhookService: Symbol.for('emporia.WebhookService'),
  NotificationDirectory: Symbol.for('emporia.NotificationDirectory'),
  SentMailRepository: Symbol.for('emporia.SentMailRepository'),
  /** Queues the mails no event causes (password reset, e-mail verification): `MailSubscriber`. */
  MailQueue: Symbol.for('emporia.MailQueue'),
  WebhookRepository: Symbol.for('emporia.WebhookRepository'),
  /** Optional: without a mailer no e-mail is queued. */
  Mailer: Symbol.for('emporia.Mailer'),
  /** Optional: templates replacing some of `defaultMailTemplates`. */
  MailTemplates: Symbol.for('emporia.MailTemplates'),
  /** Optional: without a sender no webhook is queued (subscriptions can still be managed). */
  WebhookSender: Symbol.for('emporia.WebhookSender'),
  /** The process's fan-out of committed events to live streams (`RealtimeHub`). */
  RealtimeHub: Symbol.for('emporia.RealtimeHub'),
} as const;

declare module '../shared/store.js' {
  interface StoreRepositories {
    outbox: EventOutbox;
  }
}
