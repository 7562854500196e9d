import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmporia, startEmporia } from '../../../test/support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'emporia-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves with the first match of `pattern` in a growing stream of text. */
function waitFor(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m) {
        stream.off('data', onData);
        resolve(m);
      }
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`stream ended without ${pattern}: ${text}`)));
  });
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

      // No new connections once shutdown began.
      const refused = await new Promise<string | undefined>((resolve) => {
        const probe = httpRequest(`${url}/health`, { agent: false }); // a fresh connection, not a pooled one
        probe.once('response', () => resolve('answered'));
        probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
        probe.end();
      });
      // Refused, or reset when the handshake landed in the backlog just before the listening
      // socket closed (libuv closes it at the end of the loop turn): either way, not served.
      expect(['ECONNREFUSED', 'ECONNRESET']).toContain(refused);

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
