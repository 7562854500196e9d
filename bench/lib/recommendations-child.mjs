// One recommendations rebuild or evaluation in a process of its own, from the built packages
// (dist), so its peak RSS is what `emporia recommendations rebuild` costs, with no TypeScript
// loader in it. `node bench/lib/recommendations-child.mjs rebuild|evaluate <database url>` prints
// `{ seconds, max_rss_mb, baseline_rss_mb, rebuild | report }` as JSON. bench/recommendations.ts runs it.
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultEngine } from '@emporia/adapters';
import { systemContext } from '@emporia/core';

const [what, url] = process.argv.slice(2);
const config = { logLevel: 'silent', worker: 'off', mailDir: join(tmpdir(), 'emporia-bench-mail') };
const engine = await createDefaultEngine({ database: url, config, migrate: false });
try {
  const answer = { seconds: 0, max_rss_mb: 0, baseline_rss_mb: Math.round(process.memoryUsage().rss / 1e6) };
  const ctx = systemContext();
  const started = performance.now();
  if (what === 'rebuild') answer.rebuild = await engine.recommendations.rebuild(ctx);
  else answer.report = await engine.recommendations.evaluate(ctx);
  answer.seconds = (performance.now() - started) / 1000;
  answer.max_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify(answer));
} finally {
  await engine.close();
}
