// Preloaded into a child process (NODE_OPTIONS=--import …): at exit, writes the npm packages the
// process loaded (CommonJS ones, also those reached through `import`) to LOADED_PACKAGES_FILE.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const { cache } = createRequire(import.meta.url);

process.on('exit', () => {
  const packages = new Set();
  for (const file of Object.keys(cache)) {
    const at = file.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const parts = file.slice(at + 'node_modules/'.length).split('/');
    packages.add(parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
  }
  writeFileSync(process.env.LOADED_PACKAGES_FILE, JSON.stringify([...packages].sort()));
});
