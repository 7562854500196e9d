import { performance } from 'node:perf_hooks';

/** The p-th percentile (0–100) of an ascending array, nearest-rank. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Calls `op(0)` … `op(total - 1)` from `workers` closed-loop clients (each starts its next call when
 * the last one answers): the wall time, and the latency percentiles in ms.
 */
export async function closedLoop(
  total: number,
  workers: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ seconds: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
