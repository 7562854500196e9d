import { openApiDocument } from '@emporia/http';
import type { Command } from 'commander';
import type { Io } from '../output.js';

export function openapiCommand(program: Command, io: Io): void {
  program
    .command('openapi')
    .description('print the OpenAPI 3.1 document (emporia openapi > openapi.json)')
    .option('--server <url>', 'server URL written into the document', '/')
    .action((opts: { server: string }) => {
      io.out(JSON.stringify(openApiDocument(opts.server), null, 2));
    });
}
