import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  raw: string;
}

/**
 * A real SMTP server on a free local port that keeps what it receives. `hold()` makes it stop
 * answering DATA (a stalled mail server) until `release()`.
 */
export async function startSmtpServer() {
  const received: ReceivedMail[] = [];
  let holding = false;
  const held: Array<(err?: Error) => void> = [];
  const dataStarted: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const finish = (err?: Error) => {
          if (err) return callback(err); // never acknowledged: not received
          const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1].replace(/\r?\n[ \t]/g, ' ') ?? '';
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), subject, raw });
          callback();
        };
        for (const notify of dataStarted.splice(0)) notify();
        if (holding) held.push(finish);
        else finish();
      });
    },
  });
  const port: number = await new Promise((resolve, reject) => {
    server.listen(0, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port));
    server.on('error', reject);
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    hold() {
      holding = true;
    },
    /** Stops holding; held messages are refused (their senders never got an answer). */
    release() {
      holding = false;
      for (const finish of held.splice(0)) finish(new Error('451 server was stalled'));
    },
    /** Resolves when the next message's data has arrived. */
    nextData(): Promise<void> {
      return new Promise((resolve) => dataStarted.push(resolve));
    },
    to(address: string) {
      return received.filter((m) => m.to.includes(address));
    },
    close(): Promise<void> {
      this.release();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
