import { route } from '../route.js';

const POLL_MS = 500;
const HEARTBEAT_MS = 15_000;

export const eventRoutes = [
  route({
    method: 'get',
    path: '/api/events',
    operationId: 'streamEvents',
    summary: 'Server-Sent Events: your orders’ status changes and payments; staff also get new orders and stock alerts',
    description:
      'A `text/event-stream`. Each message has `id` (the event id), `event` (its type) and `data` (the JSON payload). Send `Last-Event-ID` to resume after a reconnect. Works across several server processes: events are read from the database.',
    tags: ['events'],
    auth: 'user',
    headers: [{ name: 'Last-Event-ID', description: 'Resume after this event id' }],
    async handler({ engine, ctx, req, res }) {
      const lastEventId = req.headers['last-event-id'];
      const feed = engine.events.feed(ctx, typeof lastEventId === 'string' ? lastEventId : null);
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write(': connected\n\n');
      await new Promise<void>((resolve) => {
        let closed = false;
        let lastWrite = Date.now();
        const tick = async () => {
          if (closed) return;
          try {
            for (const event of await feed.poll()) {
              res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.payload)}\n\n`);
              lastWrite = Date.now();
            }
            if (Date.now() - lastWrite > HEARTBEAT_MS) {
              res.write(': keep-alive\n\n');
              lastWrite = Date.now();
            }
          } catch (err) {
            req.log?.warn({ err }, 'event stream poll failed');
          }
          if (!closed) timer = setTimeout(tick, POLL_MS);
        };
        let timer = setTimeout(tick, 0);
        res.on('close', () => {
          closed = true;
          clearTimeout(timer);
          resolve();
        });
      });
    },
  }),
];
