import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';

/** One measured load run: what RESULTS.md reports for every scenario. */
export interface LoadResult {
  tool: 'autocannon' | 'wrk';
  connections: number;
  duration_s: number;
  requests: number;
  rps: number;
  /** 2xx answers per second (orders/s for checkout). */
  ok_rps: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
  /** Requests sent but not answered before the run ended (a saturated server queues them). */
  unanswered: number;
}

/** Per-connection state autocannon hands to setupRequest/onResponse. */
export type ConnectionContext = Record<string, unknown>;

export interface LoadRequest {
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Varies each request (path, headers, body) — e.g. a different slug or variant per request. */
  setupRequest?: (req: RequestShape, context: ConnectionContext) => RequestShape;
  onResponse?: (status: number, body: string, context: ConnectionContext, headers: Record<string, string>) => void;
}

export interface RequestShape {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  connections: number;
  duration: number;
  /** Seconds of load thrown away before measuring (JIT, caches, connection set-up). */
  warmup: number;
  /** Try wrk when autocannon itself is the bottleneck (plain GETs only). */
  useWrk: boolean;
}

/** autocannon's own limit on a 2-core machine: above it the figure measures the load generator. */
export const AUTOCANNON_LIMIT_RPS = 25_000;

let wrkPath: string | null | undefined;
/** Debian's wrk, or null when it is not installed (the bench then stays with autocannon). */
export function findWrk(): string | null {
  if (wrkPath === undefined) {
    const r = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' });
    wrkPath = r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  }
  return wrkPath;
}

function runAutocannon(baseUrl: string, request: LoadRequest, connections: number, duration: number) {
  const varies = Boolean(request.setupRequest || request.onResponse);
  return autocannon({
    url: baseUrl,
    connections,
    duration,
    // One request per connection at a time, as a browser or a client library sends them.
    pipelining: 1,
    requests: [
      {
        method: request.method ?? 'GET',
        path: request.path,
        headers: { 'content-type': 'application/json', ...request.headers },
        body: request.body,
        ...(varies
          ? {
              setupRequest: request.setupRequest as never,
              onResponse: request.onResponse as never,
            }
          : {}),
      },
    ],
  });
}

function fromAutocannon(r: autocannon.Result, connections: number): LoadResult {
  const ok = r['2xx'];
  return {
    tool: 'autocannon',
    connections,
    duration_s: r.duration,
    requests: r.requests.total,
    rps: round(r.requests.total / r.duration),
    ok_rps: round(ok / r.duration),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    non_2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    unanswered: Math.max(0, ((r.requests as { sent?: number }).sent ?? 0) - r.requests.total - r.errors - r.timeouts),
  };
}

/** wrk's text report → the same shape (wrk has no JSON output without a Lua script). */
export function parseWrk(text: string, connections: number, duration: number): LoadResult {
  const ms = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit] ?? 1);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return m ? round(ms(m[1], m[2])) : NaN;
  };
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = socketErrors ? socketErrors.slice(1).reduce((s, n) => s + Number(n), 0) : 0;
  return {
    tool: 'wrk',
    connections,
    duration_s: duration,
    requests,
    rps: round(rps),
    ok_rps: round(rps * (requests ? (requests - non2xx) / requests : 0)),
    p50_ms: pct('50'),
    p99_ms: pct('99'),
    non_2xx: non2xx,
    errors,
    unanswered: 0,
  };
}

function runWrk(wrk: string, url: string, connections: number, duration: number): Promise<LoadResult> {
  // Two threads: one per core of the target machine; the server shares them, as with autocannon.
  const args = ['-t2', `-c${connections}`, `-d${duration}s`, '--latency', url];
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(parseWrk(out, connections, duration)) : reject(new Error(`wrk exited ${code}: ${out}`)),
    );
  });
}

/**
 * Waits until the server answers `/health` quickly again: requests a saturated scenario left queued
 * would otherwise be served during the next one.
 */
export async function settle(baseUrl: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const started = Date.now();
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.ok && Date.now() - started < 100) return;
    } catch {
      // still busy
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Drives `baseUrl` with `connections` concurrent connections for `duration` seconds after a warm-up.
 * autocannon first; a plain GET that passes autocannon's own limit is measured again with wrk.
 */
export async function measure(baseUrl: string, request: LoadRequest, options: LoadOptions): Promise<LoadResult> {
  if (options.warmup > 0) await runAutocannon(baseUrl, request, options.connections, options.warmup);
  const result = fromAutocannon(
    await runAutocannon(baseUrl, request, options.connections, options.duration),
    options.connections,
  );
  const plainGet = (request.method ?? 'GET') === 'GET' && !request.setupRequest && !request.headers;
  const wrk = options.useWrk ? findWrk() : null;
  if (plainGet && wrk && result.rps > AUTOCANNON_LIMIT_RPS) {
    return runWrk(wrk, new URL(request.path, baseUrl).toString(), options.connections, options.duration);
  }
  return result;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
