// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by package,
// to find per-request work in the HTTP shell. Usage: node --import tsx bench/lib/profile-summary.ts <file>
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}
const [file, topArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((s, n) => s + n.hitCount, 0);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const n of profile.nodes) {
  const url = n.callFrame.url;
  const where = url.includes('node_modules/')
    ? url
        .split('node_modules/')
        .pop()!
        .split('/')
        .slice(0, url.includes('node_modules/@') ? 2 : 1)
        .join('/')
    : url.includes('/packages/')
      ? `@emporia/${url.split('/packages/')[1].split('/')[0]}`
      : url.startsWith('node:')
        ? url
        : n.callFrame.functionName.startsWith('(')
          ? n.callFrame.functionName
          : url || '(native)';
  const fn = `${n.callFrame.functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + n.hitCount);
  byPackage.set(where, (byPackage.get(where) ?? 0) + n.hitCount);
}
const show = (m: Map<string, number>, top: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, v]) => console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`));
console.log('self time by package');
show(byPackage, 25);
console.log('\nself time by function');
show(byFunction, Number(topArg ?? 40));
