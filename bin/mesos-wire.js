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
 * to 3 x 16-32 MiB for that, which is most of their RSS. A young generation that never grows
 * keeps peak RSS flat at any input size for ~5-10% more CPU. Setting the flags at run time
 * works for the growth factor (the semi-space starts at 1 MiB and stays there).
 * The old generation: its live part stays ~15-25 MiB, but by default V8 lets it grow to about
 * 4x that before a full GC; 1.5x costs a few more full GCs (measured: no CPU change on a 256 MB
 * capture) for ~40 MiB less peak RSS. Each is skipped when the user chose flags of that kind.
 */
function tuneGcForStreaming() {
  if (!chosen(/^--(max-semi-space-size|semi-space-growth-factor|min-semi-space-size)\b/)) {
    setFlagsFromString('--max-semi-space-size=1 --semi-space-growth-factor=1');
  }
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

if (STREAMING_COMMANDS.has(process.argv[2])) tuneGcForStreaming();
const { main } = await import(entryPoint());
await main(process.argv);
