import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { generateCapture, libprocessMessageBytes } from '../../bench/capture-corpus.ts';
import { run } from '../../src/cli/main.ts';

/** Repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = 'bin/mesos-wire.js';
const SNAPSHOTS = fileURLToPath(new URL('./snapshots/', import.meta.url));

/** Result of one CLI run. */
export interface CliRun {
  stdout: Buffer;
  stderr: string;
  status: number | null;
}

interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: Uint8Array;
  /** Standard input as a stream (runCli only; instead of `input`). */
  stdin?: Readable;
}

function environment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: '0', ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env as NodeJS.ProcessEnv;
}

// Relative fixture paths in command lines (and snapshots) are relative to the repository root.
process.chdir(ROOT);

/**
 * Runs a command line in-process through the CLI's own `run()` (the same code path as the bin,
 * minus process start-up), with FORCE_COLOR=0 unless `env` says otherwise.
 */
export async function runCli(args: string[], options: RunOptions = {}): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        into.push(Buffer.from(chunk));
        callback();
      },
    });
  const status = await run(['node', 'mesos-wire', ...args], {
    stdin: options.stdin ?? Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]),
    stdout: sink(out),
    stderr: sink(err),
    env: environment(options.env),
  });
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), status };
}

/** Runs the real bin (`node bin/mesos-wire.js ...`) with this process's Node (the project's Node 24). */
export async function runBin(args: string[], options: RunOptions = {}): Promise<CliRun> {
  const child = spawnCli(args, options.env);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  child.stdin.end(options.input ?? new Uint8Array(0));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), status };
}

/** Spawns the bin with piped stdio, for tests that talk to it while it runs. */
export function spawnCli(args: string[], env?: Record<string, string | undefined>) {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: environment(env) });
}

/**
 * Compares a run with test/cli/snapshots/<name>.md (command, stdout, stderr, exit code);
 * UPDATE_SNAPSHOTS=1 rewrites the file instead.
 */
export function matchSnapshot(name: string, args: string[], run: CliRun): void {
  const text = [
    `# mesos-wire ${args.join(' ')}`,
    '',
    '```',
    run.stdout.toString('utf8').trimEnd(),
    '```',
    '',
    run.stderr.length > 0 ? `stderr:\n\n\`\`\`\n${run.stderr.trimEnd()}\n\`\`\`\n` : '',
    `Exit code: ${run.status}`,
    '',
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n');
  const file = `${SNAPSHOTS}${name}.md`;
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(file)) {
    if (process.env.UPDATE_SNAPSHOTS !== '1') {
      assert.fail(`missing snapshot ${file}; run with UPDATE_SNAPSHOTS=1 to create it`);
    }
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.equal(text, readFileSync(file, 'utf8'), `snapshot ${name}.md differs (UPDATE_SNAPSHOTS=1 to rewrite)`);
}

/** Writes a generated capture of many short connections (64 at a time, 1% reordered, PingSlaveMessages; ~1 MiB). */
export function writeManyConnectionsCapture(file: string): void {
  const body = new Uint8Array(40).fill(0x08);
  const message = libprocessMessageBytes(
    'mesos.internal.PingSlaveMessage',
    'master@10.0.0.1:5050',
    'slave(1)@10.0.0.2:5051',
    body,
  );
  generateCapture(file, 1024 * 1024, { connections: 64, ooo: 0.01, serverPort: 5050, message: () => message });
}
