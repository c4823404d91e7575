/**
 * Capture reading + TCP reassembly on a generated pcap streamed from disk, against tshark reading the same file in
 * the same run.
 *
 *   node --conditions=mesos-wire-source bench/pcap-read.ts [--mb 256] [--connections 64] [--ooo 0.01]
 *        [--file /tmp/mesos-wire-bench-256mb.pcap] [--regenerate] [--no-tshark] [--runs 3] [--http [--tshark-http]]
 *
 * `--mb 1100` gives a file over 1 GB. The file is generated once into /tmp (kept for later runs; `--regenerate`
 * forces it) by a child process, so generation does not count in the peak RSS. Content (seeded, deterministic):
 * `--connections` concurrent libprocess connections over Ethernet/IPv4, each carrying messages of 0 B to 16 KiB bodies
 * (chunked, as libprocess writes them) cut into 1448-byte segments, every message answered by a 202 on the same
 * connection, pure ACKs, a fraction `--ooo` of segments swapped with their successor (reordering) and the same
 * fraction retransmitted; connections close with FIN and are replaced by new ones (new ports). Checksums are left 0
 * (neither reader checks them). The generator lives in bench/capture-corpus.ts.
 *
 * mesos-wire: readCaptureFile (1 MiB reads) -> TcpReassembler, counting packets, connections and delivered bytes
 * (taken through the reassembler's data sink, as the capture pipeline does; `--events` takes 'data' events instead).
 * Rates are given per wall second and per CPU second of this process (the machine may be shared).
 * tshark: `tshark -r FILE -T fields -e frame.number` (frame dissection only, no reassembly), timed with /usr/bin/time
 * for its peak RSS. Reported: packets/s, file MB/s, peak RSS (process max, KiB -> MiB).
 *
 * `--http` also runs the whole capture -> TCP -> HTTP pipeline (src/pipeline/decode-capture.ts) and reports complete
 * HTTP messages/s; `--tshark-http` adds `tshark -d tcp.port==5051,http -Y http.request -T fields -e http.request.uri`
 * on the same file (slow: use a small --mb).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readCaptureFile } from '../src/pcap/read-file.ts';
import { type TcpEvent, TcpReassembler } from '../src/pcap/tcp-reassembler.ts';
import { generateCapture, syntheticLibprocessMessage } from './capture-corpus.ts';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}
function argText(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const MB = arg('mb', 256);
const CONNECTIONS = arg('connections', 64);
const OOO = arg('ooo', 0.01);
const RUNS = arg('runs', 3);
const FILE = argText('file') ?? `/tmp/mesos-wire-bench-${MB}mb-c${CONNECTIONS}-o${OOO}.pcap`;

function generate(path: string, targetBytes: number): void {
  generateCapture(path, targetBytes, {
    connections: CONNECTIONS,
    ooo: OOO,
    serverPort: 5051,
    message: syntheticLibprocessMessage,
  });
}

if (process.argv.includes('--generate-only')) {
  generate(FILE, MB * 1024 * 1024);
  process.exit(0);
}

if (!existsSync(FILE) || process.argv.includes('--regenerate')) {
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, import.meta.filename, ...process.argv.slice(2), '--generate-only', '--file', FILE],
    {
      stdio: 'inherit',
    },
  );
  if (child.status !== 0) throw new Error('generation failed');
  process.stdout.write(`generated ${FILE} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
const fileBytes = statSync(FILE).size;
const fileMiB = fileBytes / 1048576;
process.stdout.write(`file ${FILE}: ${fileMiB.toFixed(1)} MiB\n`);

async function runMesosWire() {
  let dataBytes = 0;
  let gaps = 0;
  let diagnostics = 0;
  const onEvent = (e: TcpEvent) => {
    if (e.kind === 'data') dataBytes += e.bytes.length;
    else if (e.kind === 'gap') gaps++;
    else if (e.kind === 'diagnostic') diagnostics++;
  };
  const reassembler = process.argv.includes('--events')
    ? new TcpReassembler(onEvent)
    : new TcpReassembler(onEvent, {}, (_stream, _offset, bytes) => {
        dataBytes += bytes.length;
      });
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const result = await readCaptureFile(FILE, (p) => reassembler.push(p));
  reassembler.end();
  const cpu = process.cpuUsage(cpuStarted);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { seconds, cpuSeconds, packets: result.packets, dataBytes, gaps, diagnostics, stats: reassembler.stats };
}

const results = [];
for (let i = 0; i < RUNS; i++) results.push(await runMesosWire());
results.sort((a, b) => a.seconds - b.seconds);
const median = results[Math.floor(results.length / 2)]!;
const peakMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(
  `mesos-wire read+reassemble: ${median.packets} packets, ${median.stats.connections} connections, ` +
    `${(median.dataBytes / 1048576).toFixed(1)} MiB stream bytes, ${median.gaps} gaps, ${median.diagnostics} diagnostics\n` +
    `  median of ${RUNS}: ${median.seconds.toFixed(2)} s = ${Math.round(median.packets / median.seconds).toLocaleString('en')} packets/s, ` +
    `${(fileMiB / median.seconds).toFixed(0)} MiB/s; ${median.cpuSeconds.toFixed(2)} CPU s = ` +
    `${Math.round(median.packets / median.cpuSeconds).toLocaleString('en')} packets per CPU s; peak RSS ${peakMiB.toFixed(0)} MiB\n`,
);

if (process.argv.includes('--http')) {
  // The capture -> TCP -> HTTP pipeline on the same file: complete HTTP messages per second.
  const { decodeCaptureFile } = await import('../src/pipeline/decode-capture.ts');
  const runs: { seconds: number; requests: number; responses: number; diagnostics: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    let requests = 0;
    let responses = 0;
    let diagnostics = 0;
    const started = performance.now();
    await decodeCaptureFile(FILE, (e) => {
      if (e.kind === 'http-message') {
        if (e.message.kind === 'request') requests++;
        else responses++;
      } else if (e.kind === 'diagnostic') diagnostics++;
    });
    runs.push({ seconds: (performance.now() - started) / 1000, requests, responses, diagnostics });
  }
  runs.sort((a, b) => a.seconds - b.seconds);
  const m = runs[Math.floor(runs.length / 2)]!;
  process.stdout.write(
    `mesos-wire capture->TCP->HTTP: ${m.requests} requests + ${m.responses} responses, ${m.diagnostics} diagnostics\n` +
      `  median of ${RUNS}: ${m.seconds.toFixed(2)} s = ${Math.round((m.requests + m.responses) / m.seconds).toLocaleString('en')} messages/s, ` +
      `${(fileMiB / m.seconds).toFixed(0)} MiB/s; peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`,
  );
  if (process.argv.includes('--tshark-http')) {
    const started = performance.now();
    const run = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        'sh',
        '-c',
        `tshark -r '${FILE}' -d tcp.port==5051,http -Y http.request -T fields -e http.request.uri 2>/dev/null | wc -l`,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const seconds = (performance.now() - started) / 1000;
    const requests = Number(run.stdout.trim());
    const rssKiB = Number(run.stderr.trim().split('\n').at(-1));
    process.stdout.write(
      `tshark -d tcp.port==5051,http -Y http.request: ${requests} requests in ${seconds.toFixed(2)} s = ` +
        `${Math.round(requests / seconds).toLocaleString('en')} requests/s; peak RSS ${(rssKiB / 1024).toFixed(0)} MiB\n`,
    );
  }
}

if (!process.argv.includes('--no-tshark')) {
  const probe = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) {
    const started = performance.now();
    const run = spawnSync(
      '/usr/bin/time',
      ['-f', '%M', 'sh', '-c', `tshark -r '${FILE}' -T fields -e frame.number 2>/dev/null | wc -l`],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const seconds = (performance.now() - started) / 1000;
    const frames = Number(run.stdout.trim());
    const rssKiB = Number(run.stderr.trim().split('\n').at(-1));
    process.stdout.write(
      `tshark -T fields -e frame.number: ${frames} frames in ${seconds.toFixed(2)} s = ` +
        `${Math.round(frames / seconds).toLocaleString('en')} packets/s, ${(fileMiB / seconds).toFixed(0)} MiB/s; ` +
        `peak RSS ${(rssKiB / 1024).toFixed(0)} MiB (${probe.stdout.split('\n')[0]})\n` +
        `ratio mesos-wire/tshark: ${(seconds / median.seconds).toFixed(1)}x packets/s\n`,
    );
  } else {
    process.stdout.write('tshark not installed: no comparison\n');
  }
}
