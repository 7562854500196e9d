import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  anonymousContext,
  EmporiaError,
  RateLimitedError,
  UnauthorizedError,
  userContext,
  type Engine,
  type OutboxEvent,
  type RealtimeStream,
} from '@emporia/core';
import type { WebSocket, WebSocketServer } from 'ws';
import { PROBLEM_BASE } from './problem.js';
import { streamTickets } from './tickets.js';

/** The path WebSocket clients connect to. */
export const WEBSOCKET_PATH = '/api/ws';
const PING_MS = 15_000;

/** An upgrade refused before the handshake: a plain HTTP answer with a problem body. */
function refuse(socket: Duplex, status: number, err: EmporiaError): void {
  const body = JSON.stringify({
    type: PROBLEM_BASE + err.code,
    title: err.title,
    status,
    detail: err.message,
  });
  const retry = err instanceof RateLimitedError ? `Retry-After: ${err.retryAfterSeconds}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${status} ${err.title}\r\nContent-Type: application/problem+json\r\n${retry}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

async function actorOf(engine: Engine, req: IncomingMessage, url: URL) {
  const ticket = url.searchParams.get('ticket');
  if (ticket)
    return engine.identity.actorForUser(
      anonymousContext({ clock: engine.clock }),
      await streamTickets(engine).redeem(ticket),
    );
  const m = /^(?:Bearer|JWT)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new UnauthorizedError('Authentication required: ?ticket= (POST /api/events/ticket) or a Bearer token');
  return engine.identity.authenticate(anonymousContext({ clock: engine.clock }), m[1]);
}

/**
 * Serves `GET /api/ws` on `server`: the events of `GET /api/events` as WebSocket text messages
 * (`{"id","event","data"}`), after `?last_event_id=` or from now, under the same per-user caps.
 * `createApp`'s `listen` attaches it; a host with its own server calls it once.
 */
export function attachWebSockets(server: Server, engine: Engine): void {
  // ws is loaded on the first upgrade: most servers never see one, and its modules are start-up work.
  let websockets: Promise<WebSocketServer> | undefined;
  const webSocketServer = () =>
    (websockets ??= import('ws').then((ws) => new ws.WebSocketServer({ noServer: true, maxPayload: 1024 })));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WEBSOCKET_PATH) return; // another upgrade handler's
    socket.on('error', () => socket.destroy());
    Promise.all([actorOf(engine, req, url), webSocketServer()]).then(
      ([actor, wss]) => {
        const ctx = userContext(actor, { clock: engine.clock });
        const pending: OutboxEvent[] = [];
        let send: (event: OutboxEvent) => void = (event) => void pending.push(event);
        let stream: RealtimeStream;
        try {
          stream = engine.events.stream(ctx, url.searchParams.get('last_event_id'), (e) => send(e));
        } catch (err) {
          return refuse(socket, 429, err as EmporiaError);
        }
        socket.once('close', () => stream.close());
        wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
          send = (event) => ws.send(JSON.stringify({ id: event.id, event: event.type, data: event.payload }));
          for (const event of pending.splice(0)) send(event);
          let alive = true;
          ws.on('pong', () => (alive = true));
          const ping = setInterval(() => {
            if (!alive) return ws.terminate();
            alive = false;
            ws.ping();
          }, PING_MS);
          ws.on('close', () => {
            clearInterval(ping);
            stream.close();
          });
          ws.on('error', () => ws.terminate());
        });
      },
      (err: unknown) => {
        if (err instanceof EmporiaError) refuse(socket, 401, err);
        else socket.destroy();
      },
    );
  });
  server.on('close', () => void websockets?.then((wss) => wss.close()));
}
