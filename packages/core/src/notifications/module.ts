import { ContainerModule } from 'inversify';
import { fromStore } from '../shared/module.js';
import { JOB_TOKENS } from '../jobs/ports.js';
import { EventBus } from './bus.js';
import { EVENT_TOKENS } from './events.js';
import type { Mailer } from './mail.js';
import { MailSubscriber } from './mail.subscriber.js';
import { NOTIFICATION_TOKENS } from './ports.js';
import type { MailTemplates } from './templates.js';
import type { WebhookSender } from './webhooks.ports.js';
import { WebhookService } from './webhooks.service.js';
import { WebhookSubscriber } from './webhooks.subscriber.js';

/** Optional notification ports: without a mailer no e-mail is queued. */
export interface NotificationPorts {
  mailer?: Mailer;
  /** Replaces any of the built-in templates. */
  mailTemplates?: Partial<MailTemplates>;
  /** Sends outgoing webhooks; without one, subscriptions can be managed but nothing is sent. */
  webhookSender?: WebhookSender;
}

/**
 * Notifications: the event bus (`engine.events`), e-mail and webhooks. Its three event subscribers
 * join `JOB_TOKENS.EventSubscriber`; the optional ports (`NOTIFICATION_TOKENS.Mailer`,
 * `MailTemplates`, `WebhookSender`) are bound by `createEngine` when the embedder passes them.
 */
export const notificationModule = new ContainerModule(({ bind }) => {
  bind(EVENT_TOKENS.EventOutbox).toDynamicValue(fromStore('outbox'));
  bind(NOTIFICATION_TOKENS.NotificationDirectory).toDynamicValue(fromStore('notificationDirectory'));
  bind(NOTIFICATION_TOKENS.SentMailRepository).toDynamicValue(fromStore('sentMails'));
  bind(NOTIFICATION_TOKENS.WebhookRepository).toDynamicValue(fromStore('webhooks'));

  bind(NOTIFICATION_TOKENS.EventBus).to(EventBus).inSingletonScope();
  bind(NOTIFICATION_TOKENS.WebhookService).to(WebhookService).inSingletonScope();
  bind(JOB_TOKENS.EventSubscriber).toService(NOTIFICATION_TOKENS.EventBus);
  bind(NOTIFICATION_TOKENS.MailQueue).to(MailSubscriber).inSingletonScope();
  bind(JOB_TOKENS.EventSubscriber).toService(NOTIFICATION_TOKENS.MailQueue);
  bind(JOB_TOKENS.EventSubscriber).to(WebhookSubscriber).inSingletonScope();
});
