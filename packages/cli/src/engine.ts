import { createDefaultEngine, loadConfig } from '@emporia/adapters';
import type { Config, Engine } from '@emporia/core';

/** The configuration from env + `.env`, and an engine over it: what every command starts with. */
export async function openEngine(options: { migrate?: boolean } = {}): Promise<{ config: Config; engine: Engine }> {
  const config = loadConfig();
  const engine = await createDefaultEngine({ config, migrate: options.migrate ?? false });
  return { config, engine };
}
