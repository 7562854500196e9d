import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmporia, startEmporia, waitFor } from '../../../test/support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `emporia serve` on a fresh SQLite file in `dir`, once it says where it listens. */
async function startServe(file: string, env: Record<string, string>) {
  const child = startEmporia(['serve', '--port', '0'], {
    cwd: dir,
    env: { DATABASE_URL: `sqlite:${join(dir, file)}`, WORKER: 'off', ...env },
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const [, url] = await waitFor(child.stdout!, /Emporia is serving (http:\/\/[^\s]+)/);
  return { child, url: url!, exited };
}

describe('emporia serve shutdown', () => {
  it(
    'on SIGTERM stops accepting, finishes the request in flight, ends event streams, closes the database and exits 0',
    { timeout: 60_000 },
    async () => {
      const env = { DATABASE_URL: `sqlite:${join(dir, 'shop.db')}`, LOG_LEVEL: 'info', WORKER: 'inline' };
      const admin = { email: 'admin@example.test', password: 'correct horse battery staple' };
      const created = runEmporia(
        ['createsuperuser', '--no-input', '--email', admin.email, '--password', admin.password],
        { cwd: dir, env },
      );
      expect(created.code, created.stderr).toBe(0);
      const child = startEmporia(['serve', '--port', '0'], { cwd: dir, env });
      const exited = once(child, 'exit');
      const [, url] = await waitFor(child.stdout!, /Emporia is serving (http:\/\/[^\s]+)/);

      // An event stream, which would never end on its own.
      const token = await fetch(`${url}/api/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(admin),
      }).then((r) => r.json() as Promise<{ access: string }>);
      const stream = httpRequest(`${url}/api/events`, {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token.access}` },
      });
      stream.end();
      const [events] = (await once(stream, 'response')) as [IncomingMessage];
      expect(events.statusCode).toBe(200);
      const streamEnded = once(events, 'end');
      events.resume();

      // A request whose body is still arriving when the signal comes.
      const body = JSON.stringify({ email: 'nobody@example.test', password: 'not-the-password' });
      const req = httpRequest(`${url}/api/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      });
      const answered = once(req, 'response') as Promise<[IncomingMessage]>;
      req.write(body.slice(0, 10));
      await new Promise((r) => setTimeout(r, 200)); // let the server read the first bytes

      const stopping = waitFor(child.stdout!, /"msg":"shutting down"/);
      child.kill('SIGTERM');
      await stopping;

      // A connection opened while shutdown drains is still answered, and told to close.
      const late = await fetch(`${url}/health`, { headers: { Connection: 'close' } });
      expect(late.status).toBe(200);
      expect(late.headers.get('connection')).toBe('close');

      req.end(body.slice(10));
      const [res] = await answered;
      let text = '';
      for await (const chunk of res) text += chunk;
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(text).type).toBe('https://emporia.dev/problems/unauthorized');
      expect(res.headers.connection).toBe('close');

      await streamEnded;
      const [code] = await exited;
      expect(code).toBe(0); // not 1: nothing had to be cut off at SHUTDOWN_TIMEOUT
    },
  );

  it(
    'answers every connection already waiting to be accepted at SIGTERM, then stops listening',
    { timeout: 60_000 },
    async () => {
      const { child, url, exited } = await startServe('backlog.db', { LOG_LEVEL: 'silent' });
      const { hostname, port } = new URL(url);
      // Stopped, the server accepts nothing: the connections wait in the kernel's accept backlog
      // and the signal waits too, so both land together when it runs again.
      child.kill('SIGSTOP');
      const answers = Array.from(
        { length: 40 },
        () =>
          new Promise<string>((resolve) => {
            let text = '';
            const socket = connect(Number(port), hostname, () =>
              socket.write(`GET /health HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`),
            );
            socket.on('data', (chunk) => (text += chunk.toString()));
            socket.once('error', (err: NodeJS.ErrnoException) => resolve(`${err.code} after ${JSON.stringify(text)}`));
            socket.once('close', () => resolve(text));
          }),
      );
      await new Promise((r) => setTimeout(r, 300)); // every handshake done, every request sent
      child.kill('SIGTERM');
      child.kill('SIGCONT');
      const texts = await Promise.all(answers);
      for (const text of texts) {
        expect(text).toMatch(/^HTTP\/1\.1 200 /);
        expect(text).toMatch(/\r\nconnection: close\r\n/i);
        expect(text).toMatch(/"status":"ok"/);
      }
      const [code] = await exited;
      expect(code).toBe(0);
      // Drained and gone: nothing listens there any more.
      const after = await fetch(`${url}/health`).then(
        () => 'answered',
        (err: { cause?: { code?: string } }) => err.cause?.code,
      );
      expect(after).toBe('ECONNREFUSED');
    },
  );

  it.each(['full', 'closed'] as const)(
    'exits within SHUTDOWN_TIMEOUT on SIGTERM when its stdout is a %s pipe',
    { timeout: 60_000 },
    async (pipe) => {
      // stdout is a named pipe the test holds open and stops reading once the server is up (the
      // pipe fills up), or closes (a parent that died): what a `serve` whose parent went away has.
      const fifo = join(dir, `stdout-${pipe}`);
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const writer = openSync(fifo, 'w');
      const child = startEmporia(['serve', '--port', '0'], {
        cwd: dir,
        env: {
          DATABASE_URL: `sqlite:${join(dir, `stdout-${pipe}.db`)}`,
          WORKER: 'off',
          LOG_LEVEL: 'info',
          SHUTDOWN_TIMEOUT: '3s',
        },
        stdout: writer,
      });
      closeSync(writer);
      const exited = once(child, 'exit') as Promise<[number | null]>;
      let text = '';
      let url: string | undefined;
      while (!url) {
        const chunk = Buffer.alloc(4096);
        let n = 0;
        try {
          n = readSync(reader, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
        text += chunk.subarray(0, n).toString();
        url = /Emporia is serving (http:\/\/[^\s]+)/.exec(text)?.[1];
      }
      if (pipe === 'closed') closeSync(reader);
      try {
        // Request log lines (404s, each logging its long path): several times what a pipe holds.
        for (let batch = 0; batch < 4; batch++) {
          const answers = await Promise.all(
            Array.from({ length: 40 }, (_, i) => fetch(`${url}/${'x'.repeat(1000)}/${batch}-${i}`)),
          );
          expect(answers.every((a) => a.status === 404)).toBe(true);
        }
        // Still serving: lost output is no reason to stop.
        expect((await fetch(`${url}/health`)).status).toBe(200);
        child.kill('SIGTERM');
        const outcome = await Promise.race([
          exited.then(([code]) => code),
          new Promise((r) => setTimeout(() => r('still running'), 8_000)),
        ]);
        expect(outcome).toBe(0);
      } finally {
        child.kill('SIGKILL');
        if (pipe === 'full') closeSync(reader);
      }
    },
  );

  it('refuses to start in production with a weak secret, in one line', () => {
    const r = runEmporia(['serve', '--port', '0'], {
      cwd: dir,
      env: { DATABASE_URL: `sqlite:${join(dir, 'prod.db')}`, EMPORIA_ENV: 'production', JWT_SECRET: 'short' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('JWT_SECRET: production needs a secret of at least 32 characters');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
