import { readFile } from 'node:fs/promises';
import { importProducts } from '@emporia/adapters';
import { requirePermission, PERMISSIONS, systemContext, MAX_IMPORT_BYTES } from '@emporia/core';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { CliError, type Io } from '../output.js';
import { openEngine } from '../engine.js';

export function importCommand(program: Command, io: Io): void {
  const imp = program.command('import').description('bulk imports');
  imp
    .command('products <file>')
    .description('create or update products by SKU from a CSV file (format: docs/csv-import.md)')
    .action(async (file: string) => {
      let csv: string;
      try {
        csv = await readFile(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      if (Buffer.byteLength(csv) > MAX_IMPORT_BYTES)
        throw new CliError(`${file} is larger than ${MAX_IMPORT_BYTES} bytes`);
      const { engine } = await openEngine();
      const bar = io.isTty
        ? new SingleBar({ format: 'Importing [{bar}] {value}/{total} rows' }, Presets.shades_classic)
        : null;
      try {
        const ctx = systemContext({ clock: engine.clock });
        requirePermission(ctx, PERMISSIONS.importRun);
        let started = false;
        const result = await importProducts(engine, csv, {
          ctx,
          async progress(done, total) {
            if (!bar) return;
            if (!started) bar.start(total ?? done, 0);
            started = true;
            bar.update(done);
          },
        });
        bar?.stop();
        io.out(
          `Imported ${result.rows} rows: ${result.created} created, ${result.updated} updated, ${result.failed} failed`,
        );
        for (const e of result.errors) io.err(`line ${e.line}${e.sku ? ` (${e.sku})` : ''}: ${e.message}`);
        if (result.failed > 0) throw new CliError(`${result.failed} row${result.failed === 1 ? '' : 's'} not imported`);
      } finally {
        bar?.stop();
        await engine.close();
      }
    });
}
