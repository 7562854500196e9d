/**
 * The real-time stream (`GET /api/events`) read with fetch rather than EventSource, which cannot send
 * the Authorization header; reconnects after a drop, resuming with Last-Event-ID.
 */
import { apiUrl } from '../api/client.js';
import { session } from '../session/session.js';
import { parseEventStream, type StreamEvent } from './event-stream.js';

const RECONNECT_MS = 3_000;

/** Calls `onEvent` for every event until `signal` aborts. */
export async function followEvents(onEvent: (event: StreamEvent) => void, signal: AbortSignal): Promise<void> {
  let lastEventId: string | null = null;
  while (!signal.aborted) {
    try {
      const access = await session.freshAccessToken();
      if (!access) return;
      const headers: Record<string, string> = { Authorization: `Bearer ${access}`, Accept: 'text/event-stream' };
      if (lastEventId) headers['Last-Event-ID'] = lastEventId;
      const response = await fetch(apiUrl('/api/events'), { headers, signal });
      if (response.status === 401) await session.refreshNow();
      if (response.ok && response.body) {
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const parsed = parseEventStream(buffer + value);
          buffer = parsed.rest;
          for (const event of parsed.events) {
            if (event.id) lastEventId = event.id;
            onEvent(event);
          }
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}
