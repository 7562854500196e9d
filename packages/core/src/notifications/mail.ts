import type { Context } from '../shared/context.js';
import type { MailTemplateName } from './templates.js';

/** One e-mail, rendered: plain text and HTML bodies. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * The `Message-ID` header (`<…@domain>`). The e-mails of events carry one derived from the
   * mail's dedupe key, so a mail sent again after a crash is recognisably the same message.
   */
  message_id?: string;
}

/** Port: sends mail (SMTP in adapters, or .eml files in a folder when no SMTP server is set). */
export interface Mailer {
  /** Resolves with where the message went: an SMTP message id or the file written. */
  send(message: MailMessage): Promise<{ id: string; location?: string }>;
  /** Releases connections (SMTP pools); optional. */
  close?(): Promise<void>;
}

/** A person mail can be addressed to. */
export interface Contact {
  user_id: string;
  email: string;
  name: string;
}

/** Port: who receives notifications. */
export interface NotificationDirectory {
  /** The addresses and names of those of the users that exist and are active. */
  listContacts(ctx: Context, userIds: readonly string[]): Promise<Contact[]>;
  /** Active users whose role is admin or staff: they receive stock alerts. */
  listStaffContacts(ctx: Context): Promise<Contact[]>;
}

/** A mail that no event causes (a password reset, an e-mail verification): it carries a secret. */
export interface DirectMail {
  template: MailTemplateName;
  to: Contact;
  /** The template's own variables (`shop_name`, `name` and `email` are filled in). */
  vars: Record<string, string | number>;
  /** The same mail always has the same key (`<token id>:<template>:<recipient>`). */
  dedupe_key: string;
}

/**
 * Port: queues a mail inside the caller's transaction (`ctx.tx`), so it goes out only if the
 * change commits, and never through the outbox: its secret must not reach webhooks or live
 * streams. Without a mailer it queues nothing.
 */
export interface MailQueue {
  queue(ctx: Context, mail: DirectMail): Promise<void>;
}

/** A mail that was handed to the mailer, by its dedupe key. */
export interface SentMail {
  /** `<event id>:<template>:<recipient>` for the e-mails of events. */
  dedupe_key: string;
  recipient: string;
  subject: string;
  message_id: string;
  sent_at: string;
}

/** Port: the log of sent mail that makes a second send of the same mail a no-op. */
export interface SentMailRepository {
  /** The sent mail with this key, or null. */
  find(ctx: Context, dedupeKey: string): Promise<SentMail | null>;
  /** Records a send; a second record of the same key changes nothing. */
  insert(ctx: Context, mail: SentMail): Promise<void>;
  /** Deletes records of mail sent before `before`; returns how many. */
  purge(ctx: Context, before: string): Promise<number>;
}

declare module '../shared/store.js' {
  interface StoreRepositories {
    notificationDirectory: NotificationDirectory;
    sentMails: SentMailRepository;
  }
}
