import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config, Mailer, MailMessage } from '@emporia/core';
import { newId } from '@emporia/core';
import nodemailer from 'nodemailer';

/**
 * The mailer for a configuration: SMTP when `SMTP_URL` is set, otherwise each message is written
 * as an .eml file into `MAIL_DIR` (the job result, and so the log, says which file).
 */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'mailDir'>): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(message: MailMessage) {
        const info = await transport.sendMail({ from: config.mailFrom, ...message });
        return { id: info.messageId };
      },
      async close() {
        transport.close();
      },
    };
  }
  const dir = resolve(config.mailDir);
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message: MailMessage) {
      const info = await transport.sendMail({ from: config.mailFrom, ...message });
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${newId()}.eml`);
      await writeFile(file, info.message as Buffer);
      return { id: info.messageId, location: file };
    },
  };
}
