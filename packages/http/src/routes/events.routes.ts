import { eventPayloadSchemas, REALTIME_EVENT_TYPES, type EventType } from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';

const POLL_MS = 500;
const HEARTBEAT_MS = 15_000;

/** A server-sent event of one type: the event's id, its type and its payload. */
function streamMessage(type: EventType) {
  return z.object({
    id: z.string().describe('`id:` line: the event id (send it back as `Last-Event-ID` to resume)'),
    event: z.literal(type).describe('`event:` line: the event type'),
    data: eventPayloadSchemas[type],
  });
}

const [first, ...rest] = REALTIME_EVENT_TYPES.map(streamMessage);
/** One message of the stream, of any type it carries. */
const streamMessageSchema = z.discriminatedUnion('event', [first, ...rest]).meta({
  id: 'EventStreamMessage',
  description:
    'One message of `GET /api/events`, as its three lines `id:`, `event:` and `data:` (JSON); a blank line ends it.',
});

export const eventRoutes = [
  route({
    method: 'get',
    path: '/api/events',
    operationId: 'streamEvents',
    summary: 'Server-Sent Events: your orders’ status changes and payments; staff also get new orders and stock alerts',
    description:
      'A `text/event-stream` of the events the caller may see: customers their own orders’ `order.placed` and `order.status_changed` and their `payment.completed`; staff also every `order.placed` and `stock.low`. ' +
      'Each message is an `EventStreamMessage` (its `data` is the payload a webhook carries as `data`); comment lines (`:`) keep the connection alive. ' +
      'Send `Last-Event-ID` to resume after a reconnect. Works across several server processes: events are read from the database.',
    tags: ['events'],
    auth: 'user',
    response: streamMessageSchema,
    responseContentType: 'text/event-stream',
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
