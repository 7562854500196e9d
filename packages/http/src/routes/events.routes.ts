import {
  eventPayloadSchemas,
  REALTIME_EVENT_TYPES,
  type EventType,
  type OutboxEvent,
  type RealtimeStream,
} from '@emporia/core';
import { z } from 'zod';
import { route } from '../route.js';
import { streamTickets, TICKET_TTL_SECONDS } from '../tickets.js';

const HEARTBEAT_MS = 15_000;

/** A server-sent event of one type: the event's id, its type and its payload. */
function streamMessage(type: EventType) {
  return z.object({
    id: z
      .string()
      .max(36)
      .meta({ format: 'uuid' })
      .describe('`id:` line: the event id (send it back as `Last-Event-ID` to resume)'),
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
      'Send `Last-Event-ID` to resume after a reconnect (replayed from the database). Works across several server processes: each holds one subscription (Redis, PostgreSQL `LISTEN/NOTIFY`, or one shared poller) and fans events out. ' +
      'A user may hold `MAX_STREAMS_PER_USER` streams (SSE and WebSocket together, default 5) per process: beyond it, 429.',
    tags: ['events'],
    auth: 'user',
    errors: [429],
    response: streamMessageSchema,
    responseContentType: 'text/event-stream',
    headers: [{ name: 'Last-Event-ID', description: 'Resume after this event id', maxLength: 36 }],
    ticket: true,
    query: z.object({
      ticket: z.string().max(512).optional().describe('A ticket from `POST /api/events/ticket`, in place of a token'),
    }),
    async handler({ engine, ctx, req, res }) {
      const lastEventId = req.headers['last-event-id'];
      // Throws before any byte is written: beyond the caps the answer is a 429 problem.
      const pending: OutboxEvent[] = [];
      let write = (event: OutboxEvent) => void pending.push(event);
      const stream: RealtimeStream = engine.events.stream(
        ctx,
        typeof lastEventId === 'string' ? lastEventId : null,
        (e) => write(e),
      );
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write(': connected\n\n');
      let lastWrite = Date.now();
      write = (event) => {
        res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.payload)}\n\n`);
        lastWrite = Date.now();
      };
      for (const event of pending.splice(0)) write(event);
      await new Promise<void>((resolve) => {
        const heartbeat = setInterval(() => {
          if (Date.now() - lastWrite >= HEARTBEAT_MS) {
            res.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
        }, HEARTBEAT_MS / 3);
        res.on('close', () => {
          clearInterval(heartbeat);
          stream.close();
          resolve();
        });
      });
    },
  }),
  route({
    method: 'post',
    path: '/api/events/ticket',
    operationId: 'createStreamTicket',
    summary: 'A single-use ticket to open one event stream without an Authorization header',
    description:
      `Browsers' \`EventSource\` and \`WebSocket\` cannot send \`Authorization\`: ask for a ticket with your token, then open \`GET /api/events?ticket=…\` or \`GET /api/ws?ticket=…\` within ${TICKET_TTL_SECONDS} seconds. ` +
      'A ticket opens one stream; the WebSocket at `/api/ws` carries the same events as JSON text messages `{"id","event","data"}` (resume with `?last_event_id=`).',
    tags: ['events'],
    auth: 'user',
    status: 201,
    response: z
      .object({
        ticket: z.string().max(512).describe('Pass as `?ticket=`'),
        expires_at: z
          .string()
          .max(32)
          .meta({ format: 'date-time' })
          .describe('ISO 8601; the ticket is refused after it'),
      })
      .meta({ id: 'StreamTicket' }),
    async handler({ engine, ctx }) {
      if (ctx.actor.kind !== 'user') return;
      return streamTickets(engine).issue(ctx.actor.id);
    },
  }),
];
