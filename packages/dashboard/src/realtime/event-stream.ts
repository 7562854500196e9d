/** One Server-Sent Event as `GET /api/events` sends it. */
export interface StreamEvent {
  id: string | null;
  type: string;
  data: string;
}

/**
 * Splits received text into complete events (a blank line ends one) and the unfinished rest, per
 * the SSE format: `id:`, `event:` and `data:` fields; lines starting with `:` are comments.
 */
export function parseEventStream(buffer: string): { events: StreamEvent[]; rest: string } {
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: StreamEvent[] = [];
  for (const block of blocks) {
    const event: StreamEvent = { id: null, type: 'message', data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') event.id = value;
      else if (field === 'event') event.type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) events.push({ ...event, data: data.join('\n') });
  }
  return { events, rest };
}
