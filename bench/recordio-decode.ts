/**
 * RecordIO decoding throughput: RecordIoDecoder against a naive string-based decoder (the
 * common "decode chunk to text, concatenate, split on the length line" approach) on the same
 * generated stream, in the same run. Reports the median of several rounds.
 *
 *   node --conditions=mesos-wire-source bench/recordio-decode.ts [--mb 64] [--rounds 7] [--chunk 65536] [--small]
 *
 * For RSS figures run it compiled (see bench/http-framing.ts): type stripping alone costs ~25 MiB of RSS.
 *
 * `--small` uses only small records (20-200 B), where per-record overhead dominates.
 *
 * The stream mixes record sizes like a v1 event stream: heartbeats (20 B), small updates
 * (~200 B-1 KiB) and large offers (~4-32 KiB), ASCII JSON-like payloads so that the string
 * baseline is correct (it could not handle binary records at all).
 */
import { RecordIoDecoder } from '../src/recordio/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const TARGET_MB = arg('mb', 64);
const ROUNDS = arg('rounds', 7);
const CHUNK = arg('chunk', 64 * 1024);
const SMALL = process.argv.includes('--small');

/** Deterministic PRNG (mulberry32) so every run decodes the same bytes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(targetBytes: number): { stream: Uint8Array; records: number } {
  const random = rng(42);
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(1024);
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  let total = 0;
  let records = 0;
  while (total < targetBytes) {
    const r = random();
    const size = SMALL
      ? 20 + Math.floor(r * 180)
      : r < 0.5
        ? 20
        : r < 0.9
          ? 200 + Math.floor(random() * 800)
          : 4096 + Math.floor(random() * 28 * 1024);
    const payload = `{"type":"X","d":"${filler.slice(0, Math.max(0, size - 20))}"}`;
    const framed = enc.encode(`${payload.length}\n${payload}`);
    parts.push(framed);
    total += framed.length;
    records++;
  }
  const stream = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    stream.set(p, at);
    at += p.length;
  }
  return { stream, records };
}

/** The baseline: text accumulation and string slicing (breaks on multi-byte UTF-8; fine for ASCII input). */
function naiveDecode(chunks: Uint8Array[]): number {
  const decoder = new TextDecoder();
  let buffer = '';
  let count = 0;
  for (const chunk of chunks) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const nl = buffer.indexOf('\n');
      if (nl < 0) break;
      const length = Number.parseInt(buffer.slice(0, nl), 10);
      if (buffer.length < nl + 1 + length) break;
      const record = buffer.slice(nl + 1, nl + 1 + length);
      if (record.length !== length) throw new Error('baseline desync');
      buffer = buffer.slice(nl + 1 + length);
      count++;
    }
  }
  return count;
}

function projectDecode(chunks: Uint8Array[]): number {
  const decoder = new RecordIoDecoder();
  let count = 0;
  const onRecord = () => {
    count++;
  };
  for (const chunk of chunks) decoder.write(chunk, onRecord);
  decoder.end();
  return count;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const { stream, records } = generate(TARGET_MB * 1024 * 1024);
const chunks: Uint8Array[] = [];
for (let i = 0; i < stream.length; i += CHUNK) chunks.push(stream.subarray(i, i + CHUNK));

const results: Record<string, number[]> = { RecordIoDecoder: [], 'naive string baseline': [] };
const runners: [string, (c: Uint8Array[]) => number][] = [
  ['RecordIoDecoder', projectDecode],
  ['naive string baseline', naiveDecode],
];
// One warm-up round each, then alternate so that neither side gets a systematically warmer machine.
for (const [, run] of runners) run(chunks);
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of runners) {
    const t0 = process.hrtime.bigint();
    const n = run(chunks);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (n !== records) throw new Error(`${name} decoded ${n} records, expected ${records}`);
    results[name]!.push(seconds);
  }
}

const mb = stream.length / (1024 * 1024);
process.stdout.write(
  `recordio-decode: ${records} records, ${mb.toFixed(1)} MiB, ${CHUNK}-byte chunks, ${SMALL ? 'small records, ' : ''}median of ${ROUNDS} rounds (node ${process.versions.node})\n`,
);
for (const [name] of runners) {
  const s = median(results[name]!);
  process.stdout.write(
    `  ${name.padEnd(22)} ${(records / s).toFixed(0).padStart(10)} records/s ${(mb / s).toFixed(1).padStart(8)} MiB/s  (${(s * 1000).toFixed(1)} ms)\n`,
  );
}
const speedup = median(results['naive string baseline']!) / median(results.RecordIoDecoder!);
process.stdout.write(`  speed-up: ${speedup.toFixed(2)}x\n`);
// The whole generated stream is held in memory (it is the input), so the peak includes it.
process.stdout.write(
  `  peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (the ${mb.toFixed(0)} MiB input included)\n`,
);
