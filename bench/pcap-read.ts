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
 * (neither reader checks them).
 *
 * mesos-wire: readCaptureFile (1 MiB reads) -> TcpReassembler, counting packets, connections and delivered bytes.
 * tshark: `tshark -r FILE -T fields -e frame.number` (frame dissection only, no reassembly), timed with /usr/bin/time
 * for its peak RSS. Reported: packets/s, file MB/s, peak RSS (process max, KiB -> MiB).
 *
 * `--http` also runs the whole capture -> TCP -> HTTP pipeline (src/pipeline/decode-capture.ts) and reports complete
 * HTTP messages/s; `--tshark-http` adds `tshark -d tcp.port==5051,http -Y http.request -T fields -e http.request.uri`
 * on the same file (slow: use a small --mb).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { readCaptureFile } from '../src/pcap/read-file.ts';
import { TcpReassembler } from '../src/pcap/tcp-reassembler.ts';

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
const MSS = 1448;

/** xorshift32, seeded: the same file on every machine. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** Buffered file writer: 1 MiB at a time, so generation memory stays flat. */
class FileSink {
  private readonly fd: number;
  private readonly buffer = new Uint8Array(1 << 20);
  private used = 0;
  written = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) {
      writeSync(this.fd, bytes);
    } else {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
    }
    this.written += bytes.length;
  }
  flush(): void {
    if (this.used > 0) writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

function libprocessMessage(random: () => number, index: number): Uint8Array {
  const names = ['StatusUpdateMessage', 'RunTaskMessage', 'PingSlaveMessage', 'ResourceOffersMessage'];
  const name = names[index % names.length]!;
  const size = random() < 0.7 ? Math.floor(random() * 512) : Math.floor(random() * 16384);
  const head =
    `POST /slave(1)/mesos.internal.${name} HTTP/1.1\r\nUser-Agent: libprocess/master@10.0.0.1:5050\r\n` +
    'Libprocess-From: master@10.0.0.1:5050\r\nConnection: Keep-Alive\r\nHost: 10.0.0.2:5051\r\n';
  if (size === 0) return latin1(`${head}\r\n`);
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + index) & 0xff;
  const parts = [
    latin1(`${head}Transfer-Encoding: chunked\r\n\r\n${size.toString(16)}\r\n`),
    body,
    latin1('\r\n0\r\n\r\n'),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const ACCEPTED = latin1('HTTP/1.1 202 Accepted\r\nDate: Fri, 27 Nov 2026 21:00:00 GMT\r\nContent-Length: 0\r\n\r\n');

/** Ethernet + IPv4 + TCP headers (54 bytes) and payload, written by hand, checksums 0. */
function frame(
  src: number,
  dst: number,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
): Uint8Array {
  const f = new Uint8Array(54 + payload.length);
  f[0] = 2;
  f[6] = 2;
  f[12] = 0x08;
  f[14] = 0x45;
  const total = 40 + payload.length;
  f[16] = total >> 8;
  f[17] = total & 0xff;
  f[22] = 64;
  f[23] = 6;
  for (let i = 0; i < 4; i++) {
    f[26 + i] = (src >>> (24 - 8 * i)) & 0xff;
    f[30 + i] = (dst >>> (24 - 8 * i)) & 0xff;
  }
  f[34] = sport >> 8;
  f[35] = sport & 0xff;
  f[36] = dport >> 8;
  f[37] = dport & 0xff;
  for (let i = 0; i < 4; i++) {
    f[38 + i] = (seq >>> (24 - 8 * i)) & 0xff;
    f[42 + i] = (ack >>> (24 - 8 * i)) & 0xff;
  }
  f[46] = 0x50;
  f[47] = flags;
  f[48] = 0xff;
  f[49] = 0xff;
  f.set(payload, 54);
  return f;
}

function generate(path: string, targetBytes: number): void {
  const random = rng(20261127);
  const sink = new FileSink(path);
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 0xa1b2c3d4, true);
  hv.setUint16(4, 2, true);
  hv.setUint16(6, 4, true);
  hv.setUint32(16, 262144, true);
  hv.setUint32(20, 1, true);
  sink.write(header);
  let micros = 0;
  const recordHeader = new Uint8Array(16);
  const rv = new DataView(recordHeader.buffer);
  const emit = (f: Uint8Array) => {
    micros += 7;
    rv.setUint32(0, 1795813200 + Math.floor(micros / 1e6), true);
    rv.setUint32(4, micros % 1e6, true);
    rv.setUint32(8, f.length, true);
    rv.setUint32(12, f.length, true);
    sink.write(recordHeader);
    sink.write(f);
  };
  const SERVER = 0x0a000002;
  interface Conn {
    client: number;
    port: number;
    cseq: number;
    sseq: number;
    left: number;
    messages: number;
  }
  let nextPort = 10000;
  const open = (): Conn => {
    const c: Conn = {
      client: 0x0a000100 + Math.floor(random() * 200),
      port: nextPort++ > 60000 ? (nextPort = 10000) : nextPort,
      cseq: Math.floor(random() * 4294967295),
      sseq: Math.floor(random() * 4294967295),
      left: 20 + Math.floor(random() * 200),
      messages: 0,
    };
    emit(frame(c.client, SERVER, c.port, 5051, c.cseq, 0, 0x02, new Uint8Array(0)));
    emit(frame(SERVER, c.client, 5051, c.port, c.sseq, c.cseq + 1, 0x12, new Uint8Array(0)));
    c.cseq = (c.cseq + 1) >>> 0;
    c.sseq = (c.sseq + 1) >>> 0;
    emit(frame(c.client, SERVER, c.port, 5051, c.cseq, c.sseq, 0x10, new Uint8Array(0)));
    return c;
  };
  const conns: Conn[] = [];
  for (let i = 0; i < CONNECTIONS; i++) conns.push(open());
  let index = 0;
  while (sink.written < targetBytes) {
    const slot = Math.floor(random() * conns.length);
    const c = conns[slot]!;
    const message = libprocessMessage(random, index++);
    const segments: Uint8Array[] = [];
    for (let at = 0; at < message.length; at += MSS) {
      const piece = message.subarray(at, Math.min(at + MSS, message.length));
      segments.push(frame(c.client, SERVER, c.port, 5051, (c.cseq + at) >>> 0, c.sseq, 0x18, piece));
    }
    c.cseq = (c.cseq + message.length) >>> 0;
    for (let i = 0; i < segments.length; i++) {
      if (i + 1 < segments.length && random() < OOO) {
        emit(segments[i + 1]!);
        emit(segments[i]!);
        i++;
        continue;
      }
      emit(segments[i]!);
      if (random() < OOO) emit(segments[i]!);
    }
    emit(frame(SERVER, c.client, 5051, c.port, c.sseq, c.cseq, 0x18, ACCEPTED));
    c.sseq = (c.sseq + ACCEPTED.length) >>> 0;
    emit(frame(c.client, SERVER, c.port, 5051, c.cseq, c.sseq, 0x10, new Uint8Array(0)));
    if (++c.messages >= c.left) {
      emit(frame(c.client, SERVER, c.port, 5051, c.cseq, c.sseq, 0x11, new Uint8Array(0)));
      emit(frame(SERVER, c.client, 5051, c.port, c.sseq, c.cseq + 1, 0x11, new Uint8Array(0)));
      emit(frame(c.client, SERVER, c.port, 5051, c.cseq + 1, c.sseq + 1, 0x10, new Uint8Array(0)));
      conns[slot] = open();
    }
  }
  sink.close();
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
  const reassembler = new TcpReassembler((e) => {
    if (e.kind === 'data') dataBytes += e.bytes.length;
    else if (e.kind === 'gap') gaps++;
    else if (e.kind === 'diagnostic') diagnostics++;
  });
  const started = performance.now();
  const result = await readCaptureFile(FILE, (p) => reassembler.push(p));
  reassembler.end();
  const seconds = (performance.now() - started) / 1000;
  return { seconds, packets: result.packets, dataBytes, gaps, diagnostics, stats: reassembler.stats };
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
    `${(fileMiB / median.seconds).toFixed(0)} MiB/s; peak RSS ${peakMiB.toFixed(0)} MiB\n`,
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
