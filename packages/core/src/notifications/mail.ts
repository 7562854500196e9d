/** One e-mail, rendered: plain text and HTML bodies. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
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
  /** The user's address and name, or null for an unknown or inactive user. */
  contact(ctx: import('../shared/context.js').Context, userId: string): Promise<Contact | null>;
  /** Active users whose role is admin or staff: they receive stock alerts. */
  staffContacts(ctx: import('../shared/context.js').Context): Promise<Contact[]>;
}

declare module '../shared/store.js' {
  interface StoreRepositories {
    notificationDirectory: NotificationDirectory;
  }
}
