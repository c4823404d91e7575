#!/usr/bin/env node
// Entry point of the mesos-wire CLI. Runs the built dist/ when it is present and at least as new as
// every source file, else the TypeScript sources (Node >= 22.18 strips types natively; this costs
// ~40 MiB of RSS and some startup, so a checkout with a fresh `npm run build` runs dist/).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `mesos-wire needs Node.js >= 22.18 (this is ${process.versions.node}). ` +
      "In a checkout, run it through npm (npx mesos-wire ...), which puts the project's own Node first on PATH.\n",
  );
  process.exit(70);
}

/** Commands that stream captures or byte streams of any size: they get a small young generation. */
const STREAMING_COMMANDS = new Set(['decode', 'stats', 'flows']);

/** Whether the user already set one of these V8 flags (command line or NODE_OPTIONS). */
function chosen(pattern) {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((flag) =>
    pattern.test(flag.replaceAll('_', '-')),
  );
}

/**
 * Streaming commands allocate many short-lived objects per packet; V8 grows its young generation
 * to 3 x 16-32 MiB for that, which is most of their RSS. A young generation of fixed size keeps
 * peak RSS flat at any input size: 2 MiB semi-spaces cost ~10% less CPU than 1 MiB ones (half the
 * scavenges) for ~3 MiB more. 3 MiB ones once saved another 5-14%, but on today's decoder they save
 * nothing measurable (12 alternated runs on 1.1 GB: 2 MiB took 0.97x the CPU of 3 MiB) and cost
 * ~4 MiB more; 4 MiB gained nothing either. The old generation: its live part stays ~15-25 MiB, but by default
 * V8 lets it grow to about 4x that before a full GC; 1.5x costs a few more full GCs (no CPU change
 * measured) for ~40 MiB less peak RSS. --no-concurrent-recompilation optimizes on the main thread
 * and spares the compiler thread's memory peaks (10-20 MiB at times). --no-maglev leaves out V8's
 * middle compiler (its code pages, zones and code): ~3 MiB less peak RSS, no CPU change measured on
 * a long decode (TurboFan does the hot code either way). --no-allocation-site-pretenuring: in some
 * runs V8 decided that objects made at a hot site (event or body objects) outlive the young
 * generation and made them in the old one from then on; `stats` then ran a full GC every ~80 ms
 * (80 instead of 5 on 256 MB, 290 instead of 16 on 1.1 GB) for twice the CPU and up to 15 MiB
 * more peak RSS. A plain decode is unchanged (0.99x CPU over 4 alternated runs).
 */
const STREAMING_FLAGS = [
  '--max-semi-space-size=2',
  '--semi-space-growth-factor=1',
  '--heap-growing-percent=50',
  '--no-concurrent-recompilation',
  '--no-maglev',
  '--no-allocation-site-pretenuring',
];

/**
 * V8 reads the young generation's size and --no-concurrent-recompilation only when the process
 * starts. So a streaming command starts this same command again with STREAMING_FLAGS in front,
 * through process.execve (same pid, stdio and environment; nothing of this process remains).
 * Flags the user chose are kept and win. Where execve is missing (Windows), or with
 * MESOS_WIRE_NO_REEXEC=1, the flags that work at run time are set instead: the growth factor
 * pins the young generation at the 1 MiB it started with, and the old generation's growth.
 */
function tuneGcForStreaming() {
  const missing = STREAMING_FLAGS.filter((flag) => !chosen(new RegExp(`^${flag.split('=')[0]}\\b`)));
  const youngChosen = chosen(/^--(max-semi-space-size|semi-space-growth-factor|min-semi-space-size)\b/);
  const wanted = youngChosen ? missing.filter((flag) => !/semi-space/.test(flag)) : missing;
  if (wanted.length === 0) return;
  if (typeof process.execve === 'function' && process.env.MESOS_WIRE_NO_REEXEC !== '1') {
    try {
      process.execve(
        process.execPath,
        [process.execPath, ...wanted, ...process.execArgv, ...process.argv.slice(1)],
        process.env,
      );
    } catch {
      // Not supported here after all: fall through to the run-time settings.
    }
  }
  if (!youngChosen) setFlagsFromString('--max-semi-space-size=1 --semi-space-growth-factor=1');
  if (!chosen(/^--heap-growing-percent\b/)) setFlagsFromString('--heap-growing-percent=50');
}

/** Newest modification time (ms) of any file under a directory. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const mtime = statSync(`${entry.parentPath}/${entry.name}`).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

/**
 * dist/ when it exists and no file under src/ is newer (installed packages: dist/ always); else the
 * sources. MESOS_WIRE_SOURCE=1 forces the sources in a checkout.
 */
function entryPoint() {
  const sourceDir = fileURLToPath(new URL('../src', import.meta.url));
  const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const installed = sourceDir.includes('/node_modules/') || !existsSync(`${sourceDir}/cli/main.ts`);
  if (installed) return '../dist/cli/main.js';
  // Under `node --test` (NODE_TEST_CONTEXT is inherited by spawned bins) the sources are what is tested.
  const wantSource = process.env.MESOS_WIRE_SOURCE === '1' || process.env.NODE_TEST_CONTEXT !== undefined;
  if (wantSource || !existsSync(built)) return '../src/cli/main.ts';
  try {
    return newestMtime(sourceDir) <= statSync(built).mtimeMs ? '../dist/cli/main.js' : '../src/cli/main.ts';
  } catch {
    return '../src/cli/main.ts';
  }
}

/**
 * What commander imports from Node but a streaming command never uses, as modules that reach the real one only when
 * called. An ES import of a built-in module reads every export, which loads its lazy parts too: node:child_process
 * (for executable subcommands) brings net and dgram, node:util brings worker_threads and more, node:process its
 * report module. Together ~3 MiB of a streaming command's peak RSS, held to the end.
 */
const COMMANDER_BUILTINS = {
  'node:child_process':
    'export default new Proxy({}, { get: (_, key) => process.getBuiltinModule("node:child_process")[key] });',
  'node:util':
    'export const stripVTControlCharacters = (text) => process.getBuiltinModule("node:util").stripVTControlCharacters(text);',
  'node:process': 'export default process;',
};

/** Gives commander the modules of COMMANDER_BUILTINS (Node >= 22.15 has synchronous module hooks; else nothing). */
function deferCommanderBuiltins() {
  // Not an import of node:module, which would read (and load) every one of its exports.
  const { registerHooks } = process.getBuiltinModule('node:module');
  if (typeof registerHooks !== 'function' || process.env.MESOS_WIRE_NO_DEFER === '1') return;
  registerHooks({
    resolve(specifier, context, next) {
      if (
        Object.hasOwn(COMMANDER_BUILTINS, specifier) &&
        /[\\/]node_modules[\\/]commander[\\/]/.test(context.parentURL ?? '')
      ) {
        return { url: `data:text/javascript,${encodeURIComponent(COMMANDER_BUILTINS[specifier])}`, shortCircuit: true };
      }
      return next(specifier, context);
    },
  });
}

if (STREAMING_COMMANDS.has(process.argv[2])) {
  tuneGcForStreaming();
  deferCommanderBuiltins();
}
const { main } = await import(entryPoint());
await main(process.argv);
