/**
 * Full decode of a libprocess stream (issue 3 §7): framing + classification + protobuf bodies + objects ready for
 * JSON, mesos-wire against Node's native llhttp + protobufjs, on the same bytes in the same run.
 *
 *   node --conditions=mesos-wire-source bench/full-decode.ts [--size 100m] [--runs 5]
 *   node --conditions=mesos-wire-source bench/full-decode.ts --size 1g     (written to /tmp, streamed from disk)
 *
 * Paths, interleaved run by run, medians reported:
 *
 * - mesos-wire: what `mesos-wire stats` does: `RawStreamDecoder` (HttpDecoder, libprocess classification, body typed
 *   by wire name with `decodeWithType`: 64-bit values exact, unknown fields kept, ready for the Mesos JSON writer)
 *   feeding the `TrafficStats` accumulator;
 * - baseline: `HTTPParser` from `node:_http_common` (kOnHeadersComplete / kOnBody / kOnMessageComplete, bodies
 *   gathered from pieces), the message name taken from the URL path, protobufjs `Type.decode` then
 *   `Type.toObject(m, {longs: String, enums: String, bytes: String})` (the usual way to JSON-ready objects).
 *
 * The stream is deterministic: a tape of about 8 MiB of whole libprocess requests (the bench/proto-corpus.ts mix of
 * status updates, acknowledgements, pings and pongs, offers, task launches, scheduler calls and registrations, plus
 * big ResourceOffersMessages of 10-60 KB and Call ACKNOWLEDGE), in the framings of Mesos 0.21, 1.11, 1.12 and
 * Content-Length senders, repeated up to the size. In memory (default) the stream is fed as 64 KiB views of the tape,
 * so memory stays flat; with --size >= 1g (or --file) the stream is written to /tmp and both paths read it from disk
 * in 1 MiB pieces. Peak RSS is sampled during each path's runs.
 */
import { closeSync, createReadStream, existsSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrafficStats } from '../src/analysis/stats.ts';
import { countEvent } from '../src/cli/commands/stats.ts';
import { encodeMessage, type MessageStyle } from '../src/libprocess/index.ts';
import { RawStreamDecoder } from '../src/pipeline/raw-stream.ts';
import '../src/proto/bundle.ts';
import { fromMesosJson } from '../src/proto/json-read.ts';
import { lookupWireName } from '../src/proto/registry.ts';
import type { PbType } from '../src/proto/schema.ts';
import { buildCorpus } from './proto-corpus.ts';

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

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(text);
  if (m === null) throw new Error(`bad --size ${text} (e.g. 100m, 1g)`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * unit);
}

const SIZE = parseSize(arg('size') ?? '100m');
const RUNS = Number(arg('runs') ?? 5);
const FROM_FILE = process.argv.includes('--file') || SIZE >= 1024 ** 3;
const PIECE_BYTES = 64 * 1024;
const FILE_PIECE_BYTES = 1024 * 1024;
const TAPE_BYTES = 8 * 1024 * 1024;

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

const typeOf = (name: string): PbType => lookupWireName(name)!.type!;

/** A ResourceOffersMessage of `offers` offers (about 600 bytes each). */
function bigOffers(offers: number, i: number): Uint8Array {
  const json = {
    offers: Array.from({ length: offers }, (_, k) => ({
      id: { value: `big-offer-${i}-${k}` },
      framework_id: { value: 'fw-big-0000-1111-2222' },
      slave_id: { value: `agent-${k}-S0` },
      hostname: `agent${k}.cluster.example.com`,
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 32 }, role: '*' },
        { name: 'mem', type: 'SCALAR', scalar: { value: 257000 } },
        { name: 'disk', type: 'SCALAR', scalar: { value: 1800000 } },
        {
          name: 'ports',
          type: 'RANGES',
          ranges: {
            range: [
              { begin: 31000, end: 31999 },
              { begin: 33000, end: 35000 },
            ],
          },
        },
        { name: 'gpus', type: 'SCALAR', scalar: { value: 0 }, reservations: [{ type: 'DYNAMIC', role: 'ml' }] },
      ],
      attributes: [
        { name: 'rack', type: 'TEXT', text: { value: `r${k % 10}` } },
        { name: 'zone', type: 'TEXT', text: { value: 'eu-1a' } },
      ],
    })),
    pids: Array.from({ length: offers }, (_, k) => `slave(1)@10.0.${k >> 8}.${k & 255}:5051`),
  };
  return fromMesosJson(JSON.stringify(json), typeOf('mesos.internal.ResourceOffersMessage'));
}

function acknowledgeCall(i: number): Uint8Array {
  const json = {
    framework_id: { value: 'fw-1-0000-1111-2222' },
    type: 'ACKNOWLEDGE',
    acknowledge: {
      slave_id: { value: `agent-${i % 50}-S0` },
      task_id: { value: `task-${i}` },
      uuid: 'AAECAwQFBgcICQoLDA0ODw==',
    },
  };
  return fromMesosJson(JSON.stringify(json), typeOf('mesos.scheduler.Call'));
}

const STYLES: MessageStyle[] = ['mesos-1.11', 'mesos-1.11', 'mesos-1.12', 'mesos-0.21', 'content-length'];

/** The tape: whole requests, same bytes on every run and machine. */
function buildTape(): { tape: Uint8Array; messages: number } {
  const r = rng(42);
  const corpus = buildCorpus(4000, 11);
  const big = [8, 20, 40, 90].map((n, i) => bigOffers(n, i));
  const parts: Uint8Array[] = [];
  let size = 0;
  let i = 0;
  while (size < TAPE_BYTES) {
    const pick = r();
    let name: string;
    let body: Uint8Array;
    if (pick < 0.01) {
      name = 'mesos.internal.ResourceOffersMessage';
      body = big[Math.floor(r() * big.length)]!;
    } else if (pick < 0.06) {
      name = 'mesos.scheduler.Call';
      body = acknowledgeCall(i);
    } else {
      const c = corpus[i % corpus.length]!;
      name = c.wireName;
      body = c.bytes;
    }
    const style = STYLES[Math.floor(r() * STYLES.length)]!;
    const bytes = encodeMessage(
      { name, from: `slave(1)@10.0.${(i >> 8) & 255}.${i & 255}:5051`, to: 'master@10.0.0.1:5050', body },
      style,
    );
    parts.push(bytes);
    size += bytes.length;
    i++;
  }
  const tape = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    tape.set(p, at);
    at += p.length;
  }
  return { tape, messages: parts.length };
}

const { tape, messages: tapeMessages } = buildTape();
const REPEATS = Math.max(1, Math.round(SIZE / tape.length));
const STREAM_BYTES = tape.length * REPEATS;
const STREAM_MESSAGES = tapeMessages * REPEATS;

const pieces: Uint8Array[] = [];
for (let at = 0; at < tape.length; at += PIECE_BYTES) pieces.push(tape.subarray(at, at + PIECE_BYTES));

const FILE = join(tmpdir(), `mesos-wire-full-decode-${STREAM_BYTES}.bin`);
if (FROM_FILE && !(existsSync(FILE) && statSync(FILE).size === STREAM_BYTES)) {
  const fd = openSync(FILE, 'w');
  for (let k = 0; k < REPEATS; k++) writeSync(fd, tape);
  closeSync(fd);
}

/** Feeds the stream to `write` (from memory or from the file), sampling RSS. */
async function feed(write: (piece: Uint8Array) => void, rss: { peak: number }, file?: string): Promise<void> {
  let n = 0;
  const sample = () => {
    if ((++n & 63) === 0) rss.peak = Math.max(rss.peak, process.memoryUsage.rss());
  };
  if (file !== undefined) {
    for await (const piece of createReadStream(file, { highWaterMark: FILE_PIECE_BYTES })) write(piece as Uint8Array);
    return;
  }
  if (!FROM_FILE) {
    for (let k = 0; k < REPEATS; k++) {
      for (const piece of pieces) {
        write(piece);
        sample();
      }
    }
    return;
  }
  for await (const piece of createReadStream(FILE, { highWaterMark: FILE_PIECE_BYTES })) {
    write(piece as Uint8Array);
    sample();
  }
}

type Runner = (rss: { peak: number }, file?: string) => Promise<number>;

/** mesos-wire: the `stats` pipeline. */
const runOurs: Runner = async (rss) => {
  const stats = new TrafficStats();
  const statuses = new Map<number, number>();
  const decoder = new RawStreamDecoder('http', (event) => countEvent(stats, event, statuses));
  await feed((piece) => decoder.write(piece), rss);
  decoder.end();
  const summary = stats.summary();
  if (summary.totals.errors !== 0) throw new Error(`mesos-wire: ${JSON.stringify(summary.errors)}`);
  return summary.totals.messages;
};

const TO_OBJECT = { longs: String, enums: String, bytes: String };

/** Baseline: node's llhttp + protobufjs decode + toObject. */
async function runBaseline(rss: { peak: number }, file?: string): Promise<number> {
  let count = 0;
  let sink = 0;
  const types = new Map<string, PbType | null>();
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {});
  let url = '';
  let parts: Uint8Array[] = [];
  let size = 0;
  parser[HTTPParser.kOnHeaders] = () => {};
  parser[HTTPParser.kOnHeadersComplete] = (
    _major: number,
    _minor: number,
    _headers: string[],
    _method: number,
    target: string,
  ) => {
    url = target;
    parts = [];
    size = 0;
  };
  parser[HTTPParser.kOnBody] = (b: Uint8Array) => {
    // Node hands out views of its own buffer: keep a copy, as a collecting client must.
    parts.push(Buffer.from(b));
    size += b.length;
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    count++;
    const name = url.slice(url.indexOf('/', 1) + 1);
    let type = types.get(name);
    if (type === undefined) {
      type = lookupWireName(name)?.type ?? null;
      types.set(name, type);
    }
    if (type === null) return;
    const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    const object = type.toObject(type.decode(body), TO_OBJECT);
    sink += Object.keys(object).length;
  };
  await feed(
    (piece) => {
      const ret = parser.execute(piece);
      if (ret instanceof Error) throw ret;
    },
    rss,
    file,
  );
  parser.finish();
  parser.close();
  if (sink < 0) throw new Error('unreachable');
  return count;
}

interface Result {
  name: string;
  /** CPU seconds (user + system) per run: robust on a shared, loaded machine. */
  seconds: number[];
  wallSeconds: number[];
  rss: { peak: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const only = arg('only'); // `mesos-wire` or `baseline`, for --cpu-prof runs
  const candidates: { name: string; run: Runner }[] = [
    { name: 'mesos-wire (RawStreamDecoder + typed bodies + stats)', run: runOurs },
    { name: 'baseline (node llhttp + protobufjs decode + toObject)', run: runBaseline },
  ].filter((c) => only === undefined || c.name.startsWith(only));
  const results: Result[] = candidates.map((c) => ({ name: c.name, seconds: [], wallSeconds: [], rss: { peak: 0 } }));
  process.stdout.write(
    `stream: ${(STREAM_BYTES / 1024 ** 2).toFixed(1)} MiB, ${STREAM_MESSAGES} messages ` +
      `(tape ${(tape.length / 1024 ** 2).toFixed(1)} MiB x ${REPEATS}), ${FROM_FILE ? `from ${FILE}` : 'in memory'}, ` +
      `${RUNS} runs + 1 warm-up each, interleaved; rates from CPU time (user + system)\n`,
  );
  for (let run = -1; run < RUNS; run++) {
    for (let k = 0; k < candidates.length; k++) {
      const c = candidates[(k + Math.max(run, 0)) % candidates.length]!;
      const result = results[candidates.indexOf(c)]!;
      const start = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const count = await c.run(result.rss);
      const used = process.cpuUsage(cpu);
      const wall = Number(process.hrtime.bigint() - start) / 1e9;
      if (count !== STREAM_MESSAGES) throw new Error(`${c.name}: ${count} messages, expected ${STREAM_MESSAGES}`);
      if (run >= 0) {
        result.seconds.push((used.user + used.system) / 1e6);
        result.wallSeconds.push(wall);
      }
    }
  }
  const rate = (r: Result) => STREAM_MESSAGES / median(r.seconds);
  for (const r of results) {
    const s = median(r.seconds);
    process.stdout.write(
      `${r.name.padEnd(56)} ${(STREAM_MESSAGES / s / 1e3).toFixed(0).padStart(6)}k msgs/s ` +
        `${(STREAM_BYTES / s / 1024 ** 2).toFixed(1).padStart(7)} MB/s  median CPU ${s.toFixed(3)} s ` +
        `[${r.seconds.map((x) => x.toFixed(2)).join(' ')}], wall ${median(r.wallSeconds).toFixed(2)} s  ` +
        `peak RSS ${(r.rss.peak / 1024 ** 2).toFixed(0)} MiB\n`,
    );
  }
  if (results.length === 2) {
    const ratio = rate(results[0]!) / rate(results[1]!);
    process.stdout.write(`ratio mesos-wire / baseline: ${ratio.toFixed(2)}x (target >= 1.5x)\n`);
  }
  process.stdout.write(`process max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`);
  if (process.argv.includes('--keep-file') === false && FROM_FILE && process.argv.includes('--remove-file')) {
    unlinkSync(FILE);
  }
}

/**
 * `--baseline-file PATH`: only the baseline pipeline over a file, once (to time it as a whole process beside
 * `mesos-wire stats PATH`); prints the message count and the process's CPU time and max RSS.
 */
const BASELINE_FILE = arg('baseline-file');
if (BASELINE_FILE !== undefined) {
  // (The tape was built above for nothing; the CPU time below covers the baseline run only.)
  const cpu = process.cpuUsage();
  const count = await runBaseline({ peak: 0 }, BASELINE_FILE);
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `baseline over ${BASELINE_FILE}: ${count} messages, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU, ` +
      `max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`,
  );
  process.exit(0);
}

await main();
