import { systemContext, type EvaluationReport } from '@emporia/core';
import type { Command } from 'commander';
import { openEngine } from '../engine.js';
import { CliError, type Io } from '../output.js';
import { createProgress } from '../progress.js';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`.padStart(8);

/** The evaluation as a table: one row per kind and recommender. */
export function evaluationTable(report: EvaluationReport): string[] {
  const k = report.k;
  const lines = [
    `Trained on ${report.train_orders} orders, tested on the next ${report.test_orders} (time split 80/20), k = ${k}`,
    `${'kind'.padEnd(16)}${'recommender'.padEnd(14)}${'cases'.padStart(8)}${`hit@${k}`.padStart(9)}${`prec@${k}`.padStart(9)}${'coverage'.padStart(9)}`,
  ];
  for (const kind of report.kinds) {
    for (const [name, f] of [
      ['model', kind.model],
      ['most popular', kind.baseline],
    ] as const) {
      lines.push(
        `${kind.kind.padEnd(16)}${name.padEnd(14)}${String(kind.cases).padStart(8)}${pct(f.hit_rate).padStart(9)}${pct(f.precision).padStart(9)}${pct(f.coverage).padStart(9)}`,
      );
    }
  }
  return lines;
}

export function recommendationsCommand(program: Command, io: Io): void {
  const recs = program
    .command('recommendations')
    .description('rebuild and evaluate the "bought together", "similar" and "for you" recommendations');
  recs
    .command('rebuild')
    .description('recompute every stored recommendation list from the order history and the catalog')
    .action(async () => {
      const { engine } = await openEngine({ migrate: true });
      const progress = createProgress(io, 'Rebuilding');
      try {
        const result = await engine.recommendations
          .rebuild(systemContext({ clock: engine.clock }), {
            onProgress: (phase, done, total) => progress.update(done, total, phase),
          })
          .finally(() => progress.stop());
        io.out(
          `Rebuilt recommendations from ${result.orders} orders (${result.order_lines} lines) for ${result.products} products: ${result.rows} rows in ${(result.duration_ms / 1000).toFixed(1)} s`,
        );
      } finally {
        await engine.close();
      }
    });
  recs
    .command('evaluate')
    .description('train on the earlier 80 % of orders, test on the later 20 %, beside a most-popular baseline')
    .option('--k <n>', 'length of the lists judged', '10')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { k: string; json?: boolean }) => {
      if (!/^\d+$/.test(opts.k) || Number(opts.k) < 1 || Number(opts.k) > 100) {
        throw new CliError(`--k: expected a whole number from 1 to 100, got '${opts.k}'`);
      }
      const { engine } = await openEngine({ migrate: true });
      const progress = createProgress(io, 'Evaluating');
      try {
        const report = await engine.recommendations
          .evaluate(systemContext({ clock: engine.clock }), {
            k: Number(opts.k),
            onProgress: (phase, done, total) => progress.update(done, total, phase),
          })
          .finally(() => progress.stop());
        if (opts.json) io.out(JSON.stringify(report, null, 2));
        else for (const line of evaluationTable(report)) io.out(line);
      } finally {
        await engine.close();
      }
    });
}
