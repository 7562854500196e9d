import { get, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';

/** One message of `GET /api/events` or `GET /api/ws`. */
export interface StreamMessage {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/**
 * GET /api/events, collecting parsed messages; `extraHeaders` go with the request (e.g.
 * X-Forwarded-For), `onMessage` hears each message as it is parsed (the benches time them).
 */
export function openSse(
  base: string,
  auth: { token?: string; ticket?: string; lastEventId?: string },
  extraHeaders: Record<string, string> = {},
  onMessage: (message: StreamMessage) => void = () => {},
) {
  const messages: StreamMessage[] = [];
  let response: IncomingMessage | undefined;
  const headers: Record<string, string> = { ...extraHeaders };
  if (auth.token) headers.Authorization = `Bearer ${auth.token}`;
  if (auth.lastEventId) headers['Last-Event-ID'] = auth.lastEventId;
  const query = auth.ticket ? `?ticket=${encodeURIComponent(auth.ticket)}` : '';
  const ready = new Promise<IncomingMessage>((resolve, reject) => {
    get(`${base}/api/events${query}`, { headers }, (res) => {
      response = res;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
          );
          if (!fields.event) continue;
          const message: StreamMessage = { id: fields.id, event: fields.event, data: JSON.parse(fields.data) };
          messages.push(message);
          onMessage(message);
        }
      });
      resolve(res);
    }).on('error', reject);
  });
  return { messages, ready, close: () => response?.destroy() };
}

/** GET /api/ws, collecting messages; `opened` rejects with the refused upgrade's status. */
export function openWs(base: string, auth: { token?: string; ticket?: string }) {
  const messages: StreamMessage[] = [];
  const url = `${base.replace('http', 'ws')}/api/ws${auth.ticket ? `?ticket=${encodeURIComponent(auth.ticket)}` : ''}`;
  const ws = new WebSocket(url, { headers: auth.token ? { Authorization: `Bearer ${auth.token}` } : {} });
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as StreamMessage));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
  opened.catch(() => {});
  return { ws, messages, opened, close: () => ws.close() };
}
