import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config, Mailer, MailMessage } from '@emporia/core';
import { newId } from '@emporia/core';
import type { SendMailOptions, SentMessageInfo, Transporter } from 'nodemailer';

/**
 * nodemailer (with its encodings, ~0.8 MB of code) is loaded on the first message rather than at
 * start: most `serve` processes start long before they send a mail, and start-up time is module loading.
 */
function lazyTransport(options: string | { streamTransport: true; buffer: true; newline: 'unix' }) {
  let transport: Promise<Transporter<SentMessageInfo>> | undefined;
  return {
    send: async (mail: SendMailOptions) => {
      transport ??= import('nodemailer').then((m) => m.default.createTransport(options as string));
      return (await transport).sendMail(mail);
    },
    close: async () => (await transport)?.close(),
  };
}

/** nodemailer's options for a message: its own Message-ID when it has one, else nodemailer makes one. */
function mailOptions(from: string, { message_id, ...message }: MailMessage): SendMailOptions {
  return { from, ...message, ...(message_id ? { messageId: message_id } : {}) };
}

/**
 * The mailer for a configuration: SMTP when `SMTP_URL` is set, otherwise each message is written
 * as an .eml file into `MAIL_DIR` (the job result, and so the log, says which file).
 */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'mailDir'>): Mailer {
  if (config.smtpUrl) {
    const transport = lazyTransport(config.smtpUrl);
    return {
      async send(message: MailMessage) {
        const info = await transport.send(mailOptions(config.mailFrom, message));
        return { id: info.messageId };
      },
      close: transport.close,
    };
  }
  const dir = resolve(config.mailDir);
  const transport = lazyTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message: MailMessage) {
      const info = await transport.send(mailOptions(config.mailFrom, message));
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${newId()}.eml`);
      await writeFile(file, info.message as Buffer);
      return { id: info.messageId, location: file };
    },
  };
}
