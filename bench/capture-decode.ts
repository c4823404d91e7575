/**
 * Full decoding of a generated capture (issue 4 §6): pcap -> TCP reassembly -> HTTP -> libprocess classification ->
 * protobuf bodies typed by wire name -> 202s paired with their messages -> anomaly checks (the whole session layer,
 * `decodeCaptureSessions`, i.e. `CaptureSessionDecoder` fed by the file reader as the CLI feeds it), against tshark's
 * HTTP dissection of the same file in the same run:
 *
 *   tshark -r FILE -d tcp.port==5050,http -Y http.request -T fields -e http.request.uri
 *
 *   node --conditions=mesos-wire-source bench/capture-decode.ts [--mb 128] [--connections 256] [--ooo 0.01]
 *        [--file PATH] [--regenerate] [--no-tshark] [--chunk-kib 64] [--node-flags "--max-semi-space-size=2"]
 *        [--dist DIR]   (decode with a compiled build: npx tsc -p tsconfig.build.json --outDir DIR)
 *        [--no-cli]     (with --dist: skip the `mesos-wire decode --format ndjson FILE > /dev/null` run)
 *        [--cli-all]    (with --dist: also `decode --format text`, `stats` and `flows`, each its own run)
 *        [--runs 3]     (mesos-wire child runs: rates are their medians, peak RSS the largest)
 *        [--side-by-side] (tshark and mesos-wire at the same time, one CPU each; see sideBySide)
 *
 * `--mb 1100` gives a file over 1 GB. The file (generated once into /tmp by a child process, kept for later runs)
 * holds `--connections` concurrent libprocess connections to the master's port 5050 carrying realistic protobuf
 * bodies (bench/proto-corpus.ts: status updates, acknowledgements, pings, offers, launches, scheduler calls,
 * registrations) in Mesos 1.11 framing, cut into 1448-byte segments, each answered by a 202, with 1% reordered and
 * 1% retransmitted segments (bench/capture-corpus.ts).
 *
 * Each side runs in its own process so that peak RSS (the process's max RSS) is its own: mesos-wire in a child
 * `node` (with `--node-flags`), tshark under /usr/bin/time. Reported: libprocess messages/s (tshark: HTTP requests/s,
 * the same count on this traffic), the ratio, and both peak RSS figures. Rates are given per wall second and per CPU
 * second (user + system, all threads; tshark's from /usr/bin/time): on a shared machine the CPU rates are the steadier.
 * The child's default `--node-flags` are what bin/mesos-wire.js starts decode/stats/flows with
 * (`--max-semi-space-size=2 --semi-space-growth-factor=1 --heap-growing-percent=50 --no-concurrent-recompilation
 * --no-maglev --no-allocation-site-pretenuring`,
 * see CHILD_FLAGS_DEFAULT); `--node-flags ""` runs V8's defaults. With `--dist`, the CLI itself also runs on the file (`mesos-wire decode --format ndjson FILE`,
 * output to /dev/null, through bin/mesos-wire.js and its flags) under /usr/bin/time: its peak RSS and CPU seconds.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DecodedEvent } from '../src/pipeline/events.ts';
import { generateCapture, libprocessMessageBytes } from './capture-corpus.ts';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}
function argText(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const MB = arg('mb', 128);
const CONNECTIONS = arg('connections', 256);
const OOO = arg('ooo', 0.01);
const FILE = argText('file') ?? `/tmp/mesos-wire-capture-decode-${MB}mb-c${CONNECTIONS}-o${OOO}.pcap`;
const CHUNK_KIB = arg('chunk-kib', 64);

/** The child that decodes: prints one JSON line with its counts, time and peak RSS. */
async function childDecode(file: string): Promise<void> {
  const { decodeCaptureSessions } = await import('../src/pipeline/decode-sessions.ts');
  const counts = { messages: 0, typed: 0, responses: 0, paired: 0, records: 0, diagnostics: 0, errors: 0 };
  const count = (e: DecodedEvent) => {
    switch (e.type) {
      case 'message':
        counts.messages++;
        if (e.typed?.kind === 'message' && e.typed.error === undefined) counts.typed++;
        return;
      case 'response':
        counts.responses++;
        if (e.request !== undefined) counts.paired++;
        return;
      case 'record':
        counts.records++;
        return;
      case 'diagnostic':
        counts.diagnostics++;
        return;
      case 'error':
        counts.errors++;
        return;
    }
  };
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const result = await decodeCaptureSessions(file, count, { chunkBytes: CHUNK_KIB * 1024 });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...counts, packets: result.packets, seconds, cpuSeconds, maxRssMiB })}\n`);
}

/** The decoding child for a compiled build, as plain JavaScript (same counting as childDecode). */
const DIST_CHILD = `
const [dist, file, chunkKiB] = process.argv.slice(2);
const { decodeCaptureSessions } = await import(dist + '/pipeline/decode-sessions.js');
const counts = { messages: 0, typed: 0, responses: 0, paired: 0, records: 0, diagnostics: 0, errors: 0 };
const count = (e) => {
  if (e.type === 'message') { counts.messages++; if (e.typed?.kind === 'message' && e.typed.error === undefined) counts.typed++; }
  else if (e.type === 'response') { counts.responses++; if (e.request !== undefined) counts.paired++; }
  else if (e.type === 'record') counts.records++;
  else if (e.type === 'diagnostic') counts.diagnostics++;
  else if (e.type === 'error') counts.errors++;
};
const started = performance.now();
const cpuStarted = process.cpuUsage();
const result = await decodeCaptureSessions(file, count, { chunkBytes: Number(chunkKiB) * 1024 });
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({ ...counts, packets: result.packets, seconds, cpuSeconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
`;

if (process.argv.includes('--child-decode')) {
  await childDecode(FILE);
  process.exit(0);
}

if (process.argv.includes('--generate-only')) {
  const { buildCorpus } = await import('./proto-corpus.ts');
  const corpus = buildCorpus(4096).map((b, i) =>
    libprocessMessageBytes(b.wireName, 'master@10.0.0.1:5050', `slave(${(i % 7) + 1})@10.0.0.2:5051`, b.bytes),
  );
  const messages = generateCapture(FILE, MB * 1024 * 1024, {
    connections: CONNECTIONS,
    ooo: OOO,
    serverPort: 5050,
    message: (_random, index) => corpus[index % corpus.length]!,
  });
  process.stdout.write(`generated ${messages} messages\n`);
  process.exit(0);
}

if (!existsSync(FILE) || process.argv.includes('--regenerate')) {
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, import.meta.filename, ...process.argv.slice(2), '--generate-only', '--file', FILE],
    { stdio: 'inherit' },
  );
  if (child.status !== 0) throw new Error('generation failed');
  process.stdout.write(`generated ${FILE} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
const fileMiB = statSync(FILE).size / 1048576;
process.stdout.write(`file ${FILE}: ${fileMiB.toFixed(1)} MiB\n`);

/**
 * The child's default flags: the ones bin/mesos-wire.js starts decode/stats/flows with (it restarts itself with them
 * through process.execve, since V8 reads the young generation's size and --no-concurrent-recompilation only at start).
 */
const CHILD_FLAGS_DEFAULT =
  '--max-semi-space-size=2 --semi-space-growth-factor=1 --heap-growing-percent=50 --no-concurrent-recompilation --no-maglev --no-allocation-site-pretenuring';
const nodeFlags = (argText('node-flags') ?? CHILD_FLAGS_DEFAULT).split(' ').filter((f) => f !== '');
const dist = argText('dist');
let childArgs: string[];
if (dist === undefined) {
  childArgs = [...process.execArgv, ...nodeFlags, import.meta.filename, '--child-decode', '--file', FILE];
  childArgs.push('--chunk-kib', String(CHUNK_KIB));
} else {
  // A plain .mjs child: running this .ts file would load the type stripper (tens of MiB) into the measured process.
  const script = join(tmpdir(), 'mesos-wire-capture-decode-child.mjs');
  writeFileSync(script, DIST_CHILD);
  childArgs = [...nodeFlags, script, dist, FILE, String(CHUNK_KIB)];
}
/** What one child run reports. */
interface ChildResult {
  messages: number;
  typed: number;
  responses: number;
  paired: number;
  records: number;
  diagnostics: number;
  errors: number;
  packets: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// The machine is shared and noisy: the child runs RUNS times; rates are medians, peak RSS the largest seen.
const RUNS = arg('runs', 3);
const results: ChildResult[] = [];
for (let run = 0; run < RUNS; run++) {
  const child = spawnSync(process.execPath, childArgs, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) {
    process.stderr.write(child.stderr);
    throw new Error('decoding failed');
  }
  const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ChildResult;
  results.push(r);
  process.stdout.write(
    `  run ${run + 1}: ${r.seconds.toFixed(2)} s, CPU ${r.cpuSeconds.toFixed(2)} s, peak RSS ${r.maxRssMiB.toFixed(0)} MiB\n`,
  );
}
const m = results[0]!;
const ours = median(results.map((r) => r.messages / r.seconds));
const oursCpu = median(results.map((r) => r.messages / r.cpuSeconds));
const peakRss = Math.max(...results.map((r) => r.maxRssMiB));
const medianRss = median(results.map((r) => r.maxRssMiB));
process.stdout.write(
  `mesos-wire capture -> sessions (${argText('dist') === undefined ? 'sources' : `build ${argText('dist')}`}, node ` +
    `${[...(dist === undefined ? process.execArgv : []), ...nodeFlags].join(' ') || '(no flags)'}, ${CHUNK_KIB} KiB reads): ` +
    `${m.packets} packets, ${m.messages} messages (${m.typed} typed), ${m.responses} responses (${m.paired} paired), ` +
    `${m.diagnostics} diagnostics, ${m.errors} errors\n` +
    `  median of ${RUNS} runs: ${Math.round(ours).toLocaleString('en')} messages/s, ` +
    `${((fileMiB * ours) / m.messages).toFixed(0)} MiB/s; peak RSS ${peakRss.toFixed(0)} MiB (median ${medianRss.toFixed(0)})\n` +
    `  ${Math.round(oursCpu).toLocaleString('en')} messages per CPU second (median)\n`,
);

/**
 * `mesos-wire <command...> FILE > /dev/null` from the build in `dist`, through the real bin (which sets the
 * young-generation flags for decode/stats/flows): peak RSS and CPU seconds from /usr/bin/time. The bin runs dist/ when
 * there is no src/ next to it, and dist/cli/main.js reads ../../package.json: so a scratch directory gets bin/,
 * package.json, a copy of the build as dist/ and a link to node_modules.
 */
function cliRuns(
  distDir: string,
  file: string,
  commands: string[][],
): { command: string[]; seconds: number; cpuSeconds: number; maxRssMiB: number }[] {
  const root = resolve(import.meta.dirname, '..');
  const scratch = mkdtempSync(join(tmpdir(), 'mesos-wire-bench-cli-'));
  try {
    mkdirSync(join(scratch, 'bin'));
    copyFileSync(join(root, 'bin', 'mesos-wire.js'), join(scratch, 'bin', 'mesos-wire.js'));
    copyFileSync(join(root, 'package.json'), join(scratch, 'package.json'));
    cpSync(resolve(distDir), join(scratch, 'dist'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'));
    return commands.map((command) => {
      const started = performance.now();
      const run = spawnSync(
        '/usr/bin/time',
        ['-f', '%M %U %S', process.execPath, join(scratch, 'bin', 'mesos-wire.js'), ...command, file],
        { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 20 },
      );
      const seconds = (performance.now() - started) / 1000;
      const [rssKiB, user, system] = (run.stderr ?? '').trim().split('\n').at(-1)!.split(' ').map(Number) as [
        number,
        number,
        number,
      ];
      if (run.error !== undefined || !Number.isFinite(rssKiB)) {
        throw new Error(`mesos-wire ${command.join(' ')} failed: ${run.error?.message ?? run.stderr}`);
      }
      return { command, seconds, cpuSeconds: user + system, maxRssMiB: rssKiB / 1024 };
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (dist !== undefined && !process.argv.includes('--no-cli')) {
  if (!existsSync('/usr/bin/time')) {
    process.stdout.write('/usr/bin/time not installed: no peak RSS of mesos-wire decode\n');
  } else {
    const commands = [['decode', '--format', 'ndjson']];
    if (process.argv.includes('--cli-all')) commands.push(['decode', '--format', 'text'], ['stats'], ['flows']);
    for (const cli of cliRuns(dist, FILE, commands)) {
      process.stdout.write(
        `mesos-wire ${cli.command.join(' ')} FILE > /dev/null (bin, build ${dist}): ${cli.seconds.toFixed(2)} s, ` +
          `CPU ${cli.cpuSeconds.toFixed(2)} s = ${Math.round(m.messages / cli.cpuSeconds).toLocaleString('en')} ` +
          `messages per CPU second; peak RSS ${cli.maxRssMiB.toFixed(0)} MiB\n`,
      );
    }
  }
}

/** tshark's command line: its HTTP dissection of the file, one line per request, counted by wc. */
const TSHARK_SHELL = `tshark -r '${FILE}' -d tcp.port==5050,http -Y http.request -T fields -e http.request.uri 2>/dev/null | wc -l`;

/**
 * `--side-by-side`: tshark and mesos-wire run at the same time, each on its own CPU, so that both see the same state
 * of the machine. On this VM the CPU's speed changes for minutes at a time (the same child run took 9.5 s and 19 s
 * within ten minutes, tshark 122-176 s), so decoders measured one after the other compare two different machines.
 * The child runs again and again while tshark works; only runs that ended before tshark did count.
 */
async function sideBySide(): Promise<void> {
  const cpus = os.availableParallelism();
  if (cpus < 2) process.stdout.write(`side by side needs 2 CPUs (this machine has ${cpus}): the figures compete\n`);
  const started = performance.now();
  const tshark = spawn('/usr/bin/time', ['-f', '%M %U %S', 'sh', '-c', TSHARK_SHELL], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  tshark.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  tshark.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  let tsharkSeconds = 0;
  const done = new Promise<void>((resolve) =>
    tshark.on('close', () => {
      tsharkSeconds = (performance.now() - started) / 1000;
      resolve();
    }),
  );
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  const within: ChildResult[] = [];
  while (!finished) {
    const child = spawnSync(process.execPath, childArgs, { encoding: 'utf8', maxBuffer: 1 << 20 });
    // Let tshark's exit be noticed: a run that ended after tshark did is not counted.
    await new Promise((resolve) => setImmediate(resolve));
    if (child.status !== 0) throw new Error(`decoding failed: ${child.stderr}`);
    if (finished) break;
    within.push(JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ChildResult);
  }
  await done;
  const requests = Number(out.trim());
  const [rssKiB, user, system] = err.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
  const theirs = requests / tsharkSeconds;
  const theirsCpu = requests / (user + system);
  if (within.length === 0) {
    process.stdout.write('side by side: no mesos-wire run ended before tshark did\n');
    return;
  }
  const rates = within.map((r) => r.messages / r.seconds);
  const cpuRates = within.map((r) => r.messages / r.cpuSeconds);
  process.stdout.write(
    `side by side (tshark and mesos-wire at the same time, one CPU each): tshark ${requests} requests in ` +
      `${tsharkSeconds.toFixed(2)} s = ${Math.round(theirs).toLocaleString('en')} requests/s ` +
      `(${Math.round(theirsCpu).toLocaleString('en')} per CPU second, peak RSS ${(rssKiB / 1024).toFixed(0)} MiB); ` +
      `mesos-wire ${within.length} runs within it: median ${Math.round(median(rates)).toLocaleString('en')} ` +
      `messages/s (${Math.round(Math.min(...rates)).toLocaleString('en')}-${Math.round(Math.max(...rates)).toLocaleString('en')}), ` +
      `${Math.round(median(cpuRates)).toLocaleString('en')} per CPU second, peak RSS ` +
      `${Math.max(...within.map((r) => r.maxRssMiB)).toFixed(0)} MiB\n` +
      `ratio side by side: ${(median(rates) / theirs).toFixed(1)}x messages/s (wall), ` +
      `${(median(cpuRates) / theirsCpu).toFixed(1)}x per CPU second (lowest run: ${(Math.min(...rates) / theirs).toFixed(1)}x)\n`,
  );
}

if (process.argv.includes('--side-by-side') && !process.argv.includes('--no-tshark')) {
  await sideBySide();
} else if (!process.argv.includes('--no-tshark')) {
  const probe = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    process.stdout.write('tshark not installed: no comparison\n');
  } else {
    const started = performance.now();
    const run = spawnSync('/usr/bin/time', ['-f', '%M %U %S', 'sh', '-c', TSHARK_SHELL], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const seconds = (performance.now() - started) / 1000;
    const requests = Number(run.stdout.trim());
    // Peak RSS, user and system CPU of the shell's children (tshark and wc; wc's share is negligible).
    const [rssKiB, user, system] = run.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [
      number,
      number,
      number,
    ];
    const theirs = requests / seconds;
    const theirsCpu = requests / (user + system);
    process.stdout.write(
      `tshark -d tcp.port==5050,http -Y http.request -T fields -e http.request.uri: ${requests} requests in ` +
        `${seconds.toFixed(2)} s = ${Math.round(theirs).toLocaleString('en')} requests/s; peak RSS ` +
        `${(rssKiB / 1024).toFixed(0)} MiB (${probe.stdout.split('\n')[0]})\n` +
        `  CPU ${(user + system).toFixed(2)} s = ${Math.round(theirsCpu).toLocaleString('en')} requests per CPU second\n` +
        `ratio mesos-wire/tshark: ${(ours / theirs).toFixed(1)}x messages/s (wall), ` +
        `${(oursCpu / theirsCpu).toFixed(1)}x per CPU second\n`,
    );
  }
}
