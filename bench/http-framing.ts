/**
 * Framing-only decoding of a generated stream of libprocess messages: mesos-wire's HttpDecoder against Node's native
 * llhttp (`HTTPParser` from `node:_http_common`, driven directly through its callbacks) and llhttp-wasm, on the same
 * bytes in the same run.
 *
 *   node --conditions=mesos-wire-source bench/http-framing.ts [--mb 128] [--runs 7] [--only <row index>]
 *     [--piece 65536]   (bytes per write; 1448 is a TCP segment's payload, as a capture replays it)
 *
 * For RSS figures, run it compiled: loading Node's TypeScript stripper alone adds ~25 MiB of RSS (61 MiB before
 * decoding compiled, ~90 MiB type-stripped), which says nothing about the decoder:
 *
 *   npx tsc --rewriteRelativeImportExtensions --module nodenext --moduleResolution nodenext --target es2024 \
 *     --skipLibCheck --types node --outDir bench/out/js --rootDir . bench/http-framing.ts bench/recordio-decode.ts
 *   node bench/out/js/bench/http-framing.js --only 1 --mb 1024     # one row alone: that decoder's own peak
 *
 * Figures and how they were taken: bench/http-framing.md.
 *
 * The corpus is deterministic (seeded): a 4 MiB tape of whole libprocess requests in the shapes Mesos senders write
 * (1.12-dev and 0.22-1.11 chunked, pre-0.22 HTTP/1.0, Content-Length third-party senders), bodies from empty to
 * 64 KiB, mostly small. The stream is the tape repeated until the target size, fed in 64 KiB pieces (views into the
 * tape; `--piece` sets their size), so memory stays flat whatever the stream size. Each parser runs --runs times (plus one warm-up), interleaved;
 * the median is reported.
 *
 * Times are CPU seconds of the process (user + system), which a busy shared host disturbs less than wall-clock time;
 * "paired by round" is the median of the per-round ratios to native. Rows: mesos-wire with bodies as onBody pieces
 * (what llhttp's callbacks deliver), with whole bodies collected, and with every header string read as well.
 * RSS: the process maximum; run one row alone with --only to see that parser's peak (the others' garbage counts
 * otherwise).
 */

import { createRequire } from 'node:module';
import { HttpDecoder } from '../src/http/decoder.ts';
import type { HttpMessage } from '../src/http/types.ts';

const require = createRequire(import.meta.url);

interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Uint8Array): number | Error;
  finish(): number | Error;
  close(): void;
  [key: number]: unknown;
}
interface NativeParserClass {
  new (): NativeParser;
  REQUEST: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}
const { HTTPParser } = require('node:_http_common') as { HTTPParser: NativeParserClass };
const llhttpWasm = require('llhttp-wasm') as typeof import('llhttp-wasm');

const TAPE_BYTES = 4 * 1024 * 1024;

function argValue(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/** Bytes per write (`--piece`, default 64 KiB): 1448 is what a capture's TCP segments of a 1500-byte MTU carry. */
const PIECE_BYTES = argValue('--piece', 64 * 1024);
const STREAM_MB = argValue('--mb', 128);
const RUNS = argValue('--runs', 7);

/** xorshift32: the same tape on every run and machine. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const NAMES = [
  'mesos.internal.StatusUpdateMessage',
  'mesos.internal.StatusUpdateAcknowledgementMessage',
  'mesos.internal.PingSlaveMessage',
  'mesos.internal.PongSlaveMessage',
  'mesos.internal.RunTaskMessage',
  'mesos.internal.ResourceOffersMessage',
  'mesos.internal.RegisterSlaveMessage',
  'mesos.internal.ExecutorToFrameworkMessage',
  'mesos.internal.UpdateSlaveMessage',
  'mesos.scheduler.Call',
];
const PEERS = [
  ['master@10.0.0.1:5050', 'slave(1)@10.0.0.2:5051'],
  ['slave(1)@10.0.0.2:5051', 'master@10.0.0.1:5050'],
  ['slave-observer(1)@10.0.0.1:5050', 'slave(1)@10.0.0.2:5051'],
  ['scheduler-8f5b1e2a-447c-4d6e-9a3b-0c1122334455@10.0.0.7:38211', 'master@10.0.0.1:5050'],
];

function bodySize(r: () => number): number {
  const p = r();
  if (p < 0.35) return 0;
  if (p < 0.8) return 1 + Math.floor(r() * 256);
  if (p < 0.95) return 256 + Math.floor(r() * 3840);
  if (p < 0.99) return 4096 + Math.floor(r() * 28672);
  return 32768 + Math.floor(r() * 32768);
}

/** Write one request, as a Mesos-era sender writes it, into `out` at `at`; returns the new end. */
function writeMessage(r: () => number, out: Buffer, at: number): number {
  const name = NAMES[Math.floor(r() * NAMES.length)]!;
  const [from, to] = PEERS[Math.floor(r() * PEERS.length)]!;
  const id = to!.slice(0, to!.indexOf('@'));
  const addr = to!.slice(to!.indexOf('@') + 1);
  const n = bodySize(r);
  const era = r();
  let head: string;
  let chunked = n > 0;
  if (era < 0.05) {
    // A third-party sender (mesos-go style): Content-Length, Libprocess-From only.
    head = `POST /${id}/${name} HTTP/1.1\r\nLibprocess-From: ${from}\r\nHost: ${addr}\r\nContent-Length: ${n}\r\n\r\n`;
    chunked = false;
  } else {
    const te = n > 0 ? 'Transfer-Encoding: chunked\r\n' : '';
    if (era < 0.1) {
      // Before 0.22: HTTP/1.0 (still chunked), no Libprocess-From, no Host.
      head = `POST /${id}/${name} HTTP/1.0\r\nUser-Agent: libprocess/${from}\r\nConnection: Keep-Alive\r\n${te}\r\n`;
    } else {
      // 0.22-1.11 write an empty Host, 1.12-dev the recipient address.
      const host = era < 0.55 ? '' : addr;
      head =
        `POST /${id}/${name} HTTP/1.1\r\nUser-Agent: libprocess/${from}\r\nLibprocess-From: ${from}\r\n` +
        `Connection: Keep-Alive\r\nHost: ${host}\r\n${te}\r\n`;
    }
    if (chunked) head += `${n.toString(16)}\r\n`;
  }
  at += out.write(head, at, 'latin1');
  for (let i = 0; i < n; i++) out[at + i] = (r() * 256) | 0;
  at += n;
  if (chunked) at += out.write('\r\n0\r\n\r\n', at, 'latin1');
  return at;
}

/** The tape: whole messages written straight into one buffer (no intermediate garbage, so RSS stays low). */
function makeTape(): { tape: Buffer; messages: number } {
  const r = rng(0x6d657365);
  const out = Buffer.alloc(TAPE_BYTES + 128 * 1024);
  let at = 0;
  let messages = 0;
  while (at < TAPE_BYTES) {
    at = writeMessage(r, out, at);
    messages++;
  }
  return { tape: out.subarray(0, at), messages };
}

const { tape, messages: tapeMessages } = makeTape();
const REPEATS = Math.max(1, Math.ceil((STREAM_MB * 1e6) / tape.length));
const STREAM_BYTES = tape.length * REPEATS;
const STREAM_MESSAGES = tapeMessages * REPEATS;
const rssBaseline = process.memoryUsage().rss;
const pieces: Buffer[] = [];
for (let i = 0; i < tape.length; i += PIECE_BYTES) pieces.push(tape.subarray(i, i + PIECE_BYTES));

/** Feed the whole stream; returns messages decoded. */
type Runner = () => number;

/**
 * mesos-wire's decoder. `pieces`: bodies reach onBody as views and are not assembled (what llhttp's callbacks give);
 * otherwise each message carries its whole body (one copy when it spans writes). `touchHeaders` reads the method,
 * target and every header field, so their strings are made.
 */
function runOurs(mode: 'pieces' | 'whole', touchHeaders: boolean): Runner {
  return () => {
    let count = 0;
    let sink = 0;
    const decoder = new HttpDecoder(
      {
        onBody:
          mode === 'pieces'
            ? (_head, piece) => {
                sink += piece.length;
              }
            : undefined,
        onMessage(message: HttpMessage) {
          count++;
          sink += message.body.length;
          if (touchHeaders) {
            sink += message.kind === 'request' ? message.method.length + message.target.length : message.status;
            for (const h of message.headers) sink += h.name.length + h.value.length;
          }
        },
      },
      { expect: 'request', streamBodies: mode === 'pieces' },
    );
    for (let r = 0; r < REPEATS; r++) for (const piece of pieces) decoder.write(piece);
    decoder.end();
    if (sink < 0) throw new Error('unreachable');
    return count;
  };
}

function runNative(): Runner {
  return () => {
    let count = 0;
    let sink = 0;
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, {});
    parser[HTTPParser.kOnHeaders] = () => {};
    parser[HTTPParser.kOnHeadersComplete] = (
      _major: number,
      _minor: number,
      headers: string[],
      _method: number,
      url: string,
    ) => {
      sink += headers.length + url.length;
    };
    parser[HTTPParser.kOnBody] = (b: Uint8Array) => {
      sink += b.length;
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      count++;
    };
    for (let r = 0; r < REPEATS; r++) {
      for (const piece of pieces) {
        const ret = parser.execute(piece);
        if (ret instanceof Error) throw ret;
      }
    }
    parser.finish();
    parser.close();
    if (sink < 0) throw new Error('unreachable');
    return count;
  };
}

function runWasm(): Runner {
  return () => {
    let count = 0;
    let sink = 0;
    const parser = llhttpWasm.createParser(llhttpWasm.TYPE.REQUEST!);
    parser.onHeadersComplete = (m) => {
      sink += m.rawHeaders.length;
      return 0;
    };
    parser.onBody = (b) => {
      sink += b.length;
      return 0;
    };
    parser.onMessageComplete = () => {
      count++;
      return 0;
    };
    for (let r = 0; r < REPEATS; r++) {
      for (const piece of pieces) {
        const ret = parser.execute(piece);
        if (ret !== 0) throw new Error(`llhttp-wasm: ${parser.getErrorReason(ret)}`);
      }
    }
    parser.destroy();
    if (sink < 0) throw new Error('unreachable');
    return count;
  };
}

interface Result {
  name: string;
  /** CPU seconds (user + system) of each measured run: robust on a shared, loaded machine. */
  seconds: number[];
  wallSeconds: number[];
  rssAfter: number;
}

const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const candidates: { name: string; run: Runner }[] = [
  { name: 'mesos-wire HttpDecoder, bodies as pieces', run: runOurs('pieces', false) },
  { name: 'mesos-wire HttpDecoder, whole bodies', run: runOurs('whole', false) },
  { name: 'mesos-wire HttpDecoder, whole bodies + read all headers', run: runOurs('whole', true) },
  { name: 'node native llhttp (HTTPParser)', run: runNative() },
  { name: 'llhttp-wasm', run: runWasm() },
].filter((_c, i) => ONLY === undefined || String(i) === ONLY);
const results: Result[] = candidates.map((c) => ({ name: c.name, seconds: [], wallSeconds: [], rssAfter: 0 }));

// Run 0 warms up the JIT and is not counted; the measured runs are interleaved.
for (let run = 0; run <= RUNS; run++) {
  candidates.forEach((c, i) => {
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const count = c.run();
    const cpu = process.cpuUsage(cpu0);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const seconds = (cpu.user + cpu.system) / 1e6;
    if (count !== STREAM_MESSAGES) throw new Error(`${c.name}: ${count} messages, expected ${STREAM_MESSAGES}`);
    if (run > 0) {
      results[i]!.seconds.push(seconds);
      results[i]!.wallSeconds.push(wall);
    }
    results[i]!.rssAfter = Math.max(results[i]!.rssAfter, process.memoryUsage().rss);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const MiB = 1024 * 1024;
const nativeSeconds = results.find((r) => r.name.startsWith('node native'))?.seconds ?? [];
const nativeMedian = median(nativeSeconds.length > 0 ? nativeSeconds : [Number.NaN]);
/** Ratio to native within each interleaved round, then the median: steadier than a ratio of medians on a busy host. */
function pairedRatio(r: Result): number {
  if (nativeSeconds.length === 0) return Number.NaN;
  return median(r.seconds.map((s, i) => nativeSeconds[i]! / s));
}
const lines = [
  `stream: ${(STREAM_BYTES / 1e6).toFixed(1)} MB, ${STREAM_MESSAGES} messages (tape ${(tape.length / MiB).toFixed(1)} MiB x ${REPEATS}), ${PIECE_BYTES / 1024} KiB pieces, median of ${RUNS} runs, node ${process.version}`,
  '',
  'msgs/s and MB/s per CPU second (user + system, median); wall-clock msgs/s beside it for reference.',
  '',
  '| parser | msgs/s | MB/s | vs native (msgs/s) | vs native, paired by round | median CPU s | wall msgs/s | RSS after (MiB) |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const r of results) {
  const s = median(r.seconds);
  lines.push(
    `| ${r.name} | ${Math.round(STREAM_MESSAGES / s).toLocaleString('en-US')} | ${(STREAM_BYTES / 1e6 / s).toFixed(0)} | ${(nativeMedian / s).toFixed(2)}x | ${pairedRatio(r).toFixed(2)}x | ${s.toFixed(3)} | ${Math.round(STREAM_MESSAGES / median(r.wallSeconds)).toLocaleString('en-US')} | ${(r.rssAfter / MiB).toFixed(0)} |`,
  );
}
lines.push(
  '',
  `peak RSS of the whole run: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (RSS with the tape built, before decoding: ${(rssBaseline / MiB).toFixed(0)} MiB)`,
);
process.stdout.write(`${lines.join('\n')}\n`);
