/**
 * Protobuf decoding of libprocess bodies: plain protobufjs against mesos-wire's decode
 * path, on the same corpus (bench/proto-corpus.ts), in the same run; medians of rounds.
 *
 *   node --conditions=mesos-wire-source bench/proto-decode.ts [--messages 20000] [--rounds 9]
 *
 * What is compared ("objects ready for JSON", the protobuf share of issue 3 section 7):
 *
 * - baseline: `Type.decode(bytes)` then `Type.toObject(m, {longs: String, enums: String,
 *   bytes: String})`, the usual protobufjs way to get JSON-ready objects (a second walk);
 * - mesos-wire: `decodeWithType(type, bytes)`: the decoded message is already what the
 *   Mesos JSON writer reads (64-bit values as bigint, unknown fields kept), no second walk.
 *
 * Rates are messages per second of process CPU time (user + system), the median of the
 * rounds; the paths alternate within each round.
 *
 * Also reported: the same two paths all the way to JSON text (`JSON.stringify` of the
 * toObject result, which is neither Mesos JSON nor exact for 64-bit values, against
 * `toMesosJson`), and protobufjs decode alone.
 */
import '../src/proto/bundle.ts';
import { decodeWithType } from '../src/proto/decode.ts';
import { toMesosJson } from '../src/proto/json-write.ts';
import { buildCorpus, type CorpusBody } from './proto-corpus.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const MESSAGES = arg('messages', 20000);
const ROUNDS = arg('rounds', 9);

const TO_OBJECT = { longs: String, enums: String, bytes: String };

let sink = 0;

type Path = (corpus: readonly CorpusBody[]) => void;

const paths: Record<string, Path> = {
  'protobufjs decode': (corpus) => {
    for (const b of corpus) sink ^= (b.type.decode(b.bytes) as unknown as object) === null ? 1 : 0;
  },
  'protobufjs decode+toObject': (corpus) => {
    for (const b of corpus) {
      const m = b.type.decode(b.bytes);
      sink ^= b.type.toObject(m, TO_OBJECT) === null ? 1 : 0;
    }
  },
  'mesos-wire decodeWithType': (corpus) => {
    for (const b of corpus) sink ^= decodeWithType(b.type, b.bytes) === null ? 1 : 0;
  },
  'protobufjs ...+JSON.stringify': (corpus) => {
    for (const b of corpus) {
      const m = b.type.decode(b.bytes);
      sink ^= JSON.stringify(b.type.toObject(m, TO_OBJECT)).length;
    }
  },
  'mesos-wire ...+toMesosJson': (corpus) => {
    for (const b of corpus) sink ^= toMesosJson(decodeWithType(b.type, b.bytes), b.type).length;
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function run(label: string, corpus: readonly CorpusBody[]): void {
  const bytes = corpus.reduce((n, b) => n + b.bytes.length, 0);
  const rates: Record<string, number[]> = {};
  for (const name of Object.keys(paths)) {
    rates[name] = [];
    paths[name]!(corpus); // warm up (codegen, JIT)
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, path] of Object.entries(paths)) {
      // CPU time of this process: steadier than wall time on a shared machine.
      const t0 = process.cpuUsage();
      path(corpus);
      const d = process.cpuUsage(t0);
      rates[name]!.push(corpus.length / ((d.user + d.system) / 1e6));
    }
  }
  const med = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]));
  process.stdout.write(`\n${label}: ${corpus.length} bodies, ${(bytes / corpus.length).toFixed(0)} B average\n`);
  for (const [name, rate] of Object.entries(med)) {
    process.stdout.write(`  ${name.padEnd(32)} ${(rate / 1000).toFixed(0).padStart(6)} k msgs/s\n`);
  }
  const ratio = med['mesos-wire decodeWithType']! / med['protobufjs decode+toObject']!;
  const ratioJson = med['mesos-wire ...+toMesosJson']! / med['protobufjs ...+JSON.stringify']!;
  process.stdout.write(`  ratio objects ready for JSON (mesos-wire / protobufjs): ${ratio.toFixed(2)}x\n`);
  process.stdout.write(`  ratio to JSON text (mesos-wire / protobufjs):          ${ratioJson.toFixed(2)}x\n`);
}

const corpus = buildCorpus(MESSAGES);
run('Uint8Array bodies', corpus);
// Bodies cut from socket Buffers are Buffers: protobufjs then reads strings natively.
run(
  'Buffer bodies',
  corpus.map((b) => ({ ...b, bytes: Buffer.from(b.bytes) })),
);
process.stdout.write(sink === 0.5 ? '' : '\n');
