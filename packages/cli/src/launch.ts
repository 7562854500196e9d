// The launcher of the `emporia` binary (bundled into dist/launch.cjs, which dist/emporia.mjs
// requires, beside the bundle itself, dist/emporia.cjs; scripts/cli-bundle.mjs). It runs the bundle with a V8 code cache: Node 20 keeps
// no compiled code of ES modules between runs (and Node 22's compile cache does not cover code
// run this way), so compiling the ~3.7 MB bundle was most of every start. The bundle is CommonJS
// for this: a script V8 can hand back its compiled functions for (`vm.Script#createCachedData`).
//
// The cache is one file per bundle, Node, node options and kind of command (`serve`, `worker`, the
// rest), written once: by `serve` and `worker` a second after they started (so what answering the
// first requests compiled is in it), by the other commands as they exit. It lives beside the
// bundle (dist/code-cache/) or, where that is read-only, in a directory of this user's under the
// OS temp dir; EMPORIA_CODE_CACHE names another directory, or `off`. A file that does not match
// (another bundle or Node, a torn or damaged write) is ignored and written anew: its header carries
// the SHA-256 of what it was made for and of its data, checked before V8 sees a byte of it (V8
// checks only the source's length and its own version, and trusts the rest).
import { isAscii } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** What `serve` and `worker` call once they have started (`startedUp` in startup.ts). */
const STARTED = Symbol.for('emporia.started');
const MAGIC = Buffer.from('emporia code cache 1\n');
const HASH = 32;
const HEADER = MAGIC.length + 2 * HASH;
/** After `serve` or `worker` started: time for the first requests to compile what they need. */
const WRITE_AFTER_START_MS = 1000;
// Strict as the ES modules it was made from were: esbuild's own "use strict" follows the banner, where
// it is no directive.
const WRAPPER = '(function (exports, require, module, __filename, __dirname) { "use strict";\n';

/** Runs the CommonJS bundle `file` as node would require it, with its code cache when one fits. */
export function runBundle(file: string): void {
  const wrapped = compile(file);
  const module = { exports: {} };
  wrapped.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
}

/**
 * The bundle compiled (from its code cache when one fits) into the function of its module wrapper.
 * Its own function, returned from before the bundle runs: the file's bytes and the cache (~7 MB
 * outside V8's heap) are then garbage at the first collection instead of surviving, promoted,
 * until a full one.
 */
function compile(file: string): (...args: unknown[]) => void {
  const code = readFileSync(file);
  const setting = process.env.EMPORIA_CODE_CACHE?.trim();
  const off = setting === 'off';
  // What a cache must have been made for: this bundle, this Node and its options (V8 rejects code
  // compiled under other flags), and the kind of command, as each compiles different functions first.
  const kind = commandKind(process.argv.slice(2));
  const bundle = sha256(WRAPPER, code);
  const key = sha256(
    bundle,
    `${process.version} ${process.arch} ${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''} ${kind}`,
  );
  // `<bundle file>-<its hash>-<kind>-<key>.cache`: a write removes only other bundles' files.
  const name = `${basename(file)}-${hex(bundle)}-${kind}-${hex(key)}.cache`;
  const dirs = off ? [] : setting ? [{ dir: setting, own: false, prune: false }] : cacheDirs(file);
  const cachedData = off ? undefined : readCache(dirs, name, key);
  // esbuild writes ASCII (non-ASCII characters escaped): read as Latin-1, a fifth of UTF-8's decoding time.
  const source = isAscii(code) ? code.toString('latin1') : code.toString('utf8');
  const script = new Script(WRAPPER + source + '\n})', {
    filename: file,
    lineOffset: -1, // the wrapper's line: stack traces name the bundle's own lines
    ...(cachedData ? { cachedData } : {}),
  });
  if (!off && (!cachedData || script.cachedDataRejected)) {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      try {
        writeCache(dirs, name, key, script.createCachedData());
      } catch {
        // A cache is an optimisation: no disk space or a read-only file system costs the next start only.
      }
    };
    process.once('exit', write);
    (globalThis as Record<symbol, unknown>)[STARTED] = () => setTimeout(write, WRITE_AFTER_START_MS).unref();
  }
  return script.runInThisContext() as (...args: unknown[]) => void;
}

function commandKind(args: string[]): string {
  const command = args.find((a) => !a.startsWith('-'));
  return command === 'serve' || command === 'worker' ? command : 'cli';
}

interface CacheDir {
  dir: string;
  /** A directory others could have made: used only when it is this user's and only theirs. */
  own: boolean;
  /** Beside the bundle: earlier builds' caches there can never match again and are removed. */
  prune: boolean;
}

function cacheDirs(file: string): CacheDir[] {
  return [
    { dir: join(dirname(file), 'code-cache'), own: false, prune: true },
    { dir: join(tmpdir(), `emporia-code-cache-${process.getuid?.() ?? 'user'}`), own: true, prune: false },
  ];
}

const hex = (hash: Buffer) => hash.subarray(0, 8).toString('hex');

function sha256(...parts: (Buffer | string)[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** The first cache of `name` that is intact and made for `key`; undefined when there is none. */
function readCache(dirs: CacheDir[], name: string, key: Buffer): Buffer | undefined {
  for (const { dir, own } of dirs) {
    let data: Buffer;
    try {
      if (own && !onlyMine(lstatSync(dir))) continue;
      data = readFileSync(join(dir, name));
    } catch {
      continue;
    }
    if (
      data.length > HEADER &&
      data.subarray(0, MAGIC.length).equals(MAGIC) &&
      data.subarray(MAGIC.length, MAGIC.length + HASH).equals(key) &&
      sha256(data.subarray(HEADER)).equals(data.subarray(MAGIC.length + HASH, HEADER))
    ) {
      return data.subarray(HEADER);
    }
  }
  return undefined;
}

/** Writes the cache into the first directory that takes it, whole or not at all (a rename). */
function writeCache(dirs: CacheDir[], name: string, key: Buffer, data: Buffer): void {
  for (const { dir, own, prune } of dirs) {
    const temp = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (own && !onlyMine(lstatSync(dir))) continue;
      writeFileSync(temp, Buffer.concat([MAGIC, key, sha256(data), data]), { mode: 0o600 });
      renameSync(temp, join(dir, name));
    } catch {
      rmSync(temp, { force: true });
      continue;
    }
    if (prune) removeOthers(dir, name);
    return;
  }
}

function onlyMine(stat: Stats): boolean {
  return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
}

/** Removes the caches of other builds of the bundle (those of other node options or commands stay). */
function removeOthers(dir: string, name: string): void {
  const file = name.slice(0, name.indexOf('-') + 1);
  const thisBuild = name.slice(0, name.indexOf('-', file.length) + 1);
  try {
    for (const other of readdirSync(dir)) {
      if (other.startsWith(file) && !other.startsWith(thisBuild) && other.endsWith('.cache'))
        rmSync(join(dir, other), { force: true });
    }
  } catch {
    // Left for the next write.
  }
}

// dist/launch.cjs: the bundle is beside it.
runBundle(fileURLToPath(new URL('./emporia.cjs', import.meta.url)));
