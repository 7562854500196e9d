// `node --import tsx bench/search-latency.ts <database-url> [word] [calls]`: one caller, in process,
// `catalog.listProducts` as an anonymous shopper (published only): a ranked search page (page mode,
// with its count) and a ranked cursor page; p50 and p90 of `calls` calls after 10 warm-up calls.
// The load of the machine weighs on it far less than on a 32-connection figure.
import { performance } from 'node:perf_hooks';
import { createDefaultEngine } from '@emporia/adapters';
import { anonymousContext } from '@emporia/core';

const [url, word = 'waterproof', callsArg = '60'] = process.argv.slice(2);
if (!url) throw new Error('usage: search-latency.ts <database-url> [word] [calls]');
const calls = Number(callsArg);
const engine = await createDefaultEngine({ database: url, config: { logLevel: 'silent' } });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];
try {
  for (const [label, query] of [
    ['page 1 (with count)', { q: word }],
    ['page 3 (with count)', { q: word, page: 3 }],
    ['cursor, first page', { q: word, limit: 20 }],
  ] as const) {
    const times: number[] = [];
    let count: unknown;
    for (let i = 0; i < calls + 10; i++) {
      const started = performance.now();
      const result = await engine.catalog.listProducts(anonymousContext(), query);
      if (i >= 10) times.push(performance.now() - started);
      count = result.kind === 'page' ? `${result.count}${result.count_is_estimate ? ' (estimate)' : ''}` : '—';
    }
    console.log(
      `${url.split(':')[0]}\t${word}\t${label}\tp50 ${pct(times, 0.5).toFixed(1)} ms\tp90 ${pct(times, 0.9).toFixed(1)} ms\tcount ${String(count)}`,
    );
  }
} finally {
  await engine.close();
}
