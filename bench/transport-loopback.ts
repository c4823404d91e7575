/**
 * End-to-end libprocess messages per second over loopback: LibprocessEndpoint -> LibprocessEndpoint (encode in the
 * sender's era style, one persistent connection per sender, decode + classify + 202 at the receiver, responses read
 * back by the sender), against writing and reading the same bytes over raw sockets in the same run.
 * One connection and many; medians of several rounds. Sender and receiver share one process (one core), so each row
 * is given per wall-clock second and per CPU-second of the process (the latter is steadier on a busy machine).
 *
 *   node --conditions=mesos-wire-source bench/transport-loopback.ts [--messages 50000] [--rounds 5] [--body 100]
 *     [--connections 8] [--warmup 3] [--transport-only [--many-only]] [--isolate] [--per-round]
 *
 * Rows:
 * - `transport`: endpoint.write() for every message (backpressure through whenWritable), done when the receiver's
 *   handler has seen the last one.
 * - `raw bytes`: the same pre-encoded bytes written to plain sockets in 64 KiB slices (drain respected), done when
 *   the receiver has read them all. No HTTP at all: the ceiling of the socket path.
 * - `raw hot slice`: as `raw bytes`, but one slice of whole messages (195 x 336 bytes) is written again and again, so
 *   the bytes are always in the cache (`raw bytes` streams messages x 336 bytes once from one buffer, 100 MB at
 *   300,000 messages, while the transport encodes into a few reused slabs); the last write is cut to the exact count.
 * - `raw + decode`: raw bytes, the receiver runs the project's HttpDecoder and classifyRequest on them (no
 *   responses, no encoding): the codec's share of the cost.
 * - `raw per-message writes`: the raw bytes again, but one socket.write() per message (what a sender that does
 *   not coalesce does), no decoding.
 * - `transport, transient`: the transport with `transientMessages` at the receiver: each read's bytes are freed once
 *   its messages are handled, so the next read reuses that memory (see transport-loopback.md, 2026-11-28 16:00).
 * - `raw bytes, released`: raw bytes whose receiver frees each read the same way (releaseBytes): the socket path's
 *   ceiling with that help, the fair baseline for the transient row.
 * - `raw both ways` and `raw both ways, released`: as `raw bytes` and `raw bytes, released`, but the bytes the
 *   transport puts on the wire in both directions: after each read the receiver writes one 202 answer (the endpoint's
 *   81 bytes) per message completed in it, in one write, and the sender reads them into one reused buffer, as the
 *   endpoints do. Done, like the transport row, when the receiver has read every message.
 *
 * `--isolate` runs every row in a process of its own (see isolatedRates).
 *
 * `--per-round` also prints every pass (warm-up ones too) to stderr: its row, rate per CPU-second and the minor page
 * faults of the process during it. Slow passes are those that fault in fresh memory (see transport-loopback.md).
 *
 * `--transport-only` measures the transport row alone (A/B comparisons of two checkouts: copy this file into the
 * other checkout's bench/ and run both alternately); `--many-only` skips its 1-connection case; `--transient`
 * measures the transient row instead.
 *
 * Warm-up: before the measured rounds every row runs `--warmup` times (default 3) for each connection count, so
 * that every path runs optimised code when measured (one pass of 50,000 messages was not enough for the
 * transport's larger code: its first measured rounds ran at about half its later rate).
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { releaseBytes } from '../src/bytes/index.ts';
import { HttpDecoder, type HttpDecoderHandler, type HttpMessage } from '../src/http/index.ts';
import {
  classifyRequest,
  encodeAcceptedResponse,
  encodeMessage,
  makeUpid,
  type Upid,
} from '../src/libprocess/index.ts';
import { LibprocessEndpoint } from '../src/transport/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const MESSAGES = arg('messages', 50_000);
const ROUNDS = arg('rounds', 5);
const BODY = arg('body', 100);
const MANY = arg('connections', 8);
const WARMUP = arg('warmup', 3);
const NAME = 'mesos.internal.StatusUpdateAcknowledgementMessage';
const SLICE = 64 * 1024;
const TRANSPORT_ONLY = process.argv.includes('--transport-only');
const MANY_ONLY = process.argv.includes('--many-only');
const ISOLATE = process.argv.includes('--isolate');
const PER_ROUND = process.argv.includes('--per-round');
/** `--transport-only --transient`: measure the transport with transientMessages. */
const TRANSIENT = process.argv.includes('--transient');
/** Child of `--isolate`: the index of the one row it measures (see ROWS), at `--connections` connections. */
const CHILD_ROW = arg('child-row', -1);

const body = new Uint8Array(BODY).map((_, i) => (i * 31) & 0xff);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as (options?: object) => void;

/**
 * A minor collection of the garbage the rows before left, then a pause for V8's and libuv's helper threads (freeing
 * buffers runs beside the main thread): the CPU time of a row then holds its own work. Without it, freeing the raw
 * rows' received buffers (16.8 MB each at 50,000 messages) was counted in the transport row's CPU time, at 1.6x
 * its wall time (1.0x when it ran alone). Not a full collection: that shrinks the young generation, and every row
 * then starts with a burst of scavenges (the transport and decode rows ran at a quarter to a third of their rate).
 */
async function settle(): Promise<void> {
  collectGarbage({ type: 'minor' });
  await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Resolves when `condition()` holds, checking after every turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A measured run: messages per wall-clock second and per second of this process's CPU time, and the minor page
 * faults of the process meanwhile (memory touched for the first time, or again after glibc or V8 gave it back).
 */
interface Rate {
  wall: number;
  cpu: number;
  faults: number;
}

/** Where a measured run starts (see measure). */
interface Clock {
  started: number;
  cpu: NodeJS.CpuUsage;
  faults: number;
}

function startClock(): Clock {
  return { started: performance.now(), cpu: process.cpuUsage(), faults: process.resourceUsage().minorPageFault };
}

function measure(total: number, clock: Clock): Rate {
  const elapsed = performance.now() - clock.started;
  const cpu = process.cpuUsage(clock.cpu);
  const faults = process.resourceUsage().minorPageFault - clock.faults;
  return { wall: total / (elapsed / 1000), cpu: total / ((cpu.user + cpu.system) / 1e6), faults };
}

/** `--per-round`: one pass of a row, on stderr (warm-up passes have a negative number). */
function reportPass(row: number, connections: number, pass: number, rate: Rate): Rate {
  if (PER_ROUND) {
    process.stderr.write(
      `${ROW_NAMES[row]!.padEnd(22)} ${String(connections).padStart(2)} conn pass ${String(pass).padStart(3)} ` +
        `${fmt(rate.cpu)} msg/cpu-s ${String(rate.faults).padStart(7)} page faults\n`,
    );
  }
  return rate;
}

/**
 * The transport row's handler: one function for every round (a closure per round would be a new call target in the
 * endpoint's optimised code each round, thrown away when the last round's closure is collected).
 */
let delivered = 0;
function countDelivered(): void {
  delivered++;
}

/**
 * One sender's part of the transport row. A module-level function, not an arrow function made per round: V8 gives
 * each new closure its own optimised code, so a loop made afresh every round was compiled again every round (with
 * `endpoint.write` inlined, 30-70 ms of compiler time per round, counted in the process's CPU time).
 */
async function sendMessages(sender: LibprocessEndpoint, to: Upid, per: number): Promise<void> {
  for (let i = 0; i < per; i++) {
    while (!sender.write({ to, name: NAME, body })) await sender.whenWritable(to);
  }
}

/** A transport row's endpoints: one receiver, `connections` senders with their connection to it open. */
interface TransportEnds {
  readonly receiver: LibprocessEndpoint;
  readonly senders: LibprocessEndpoint[];
  readonly to: Upid;
}

/**
 * Every row's endpoints or sockets, made on its first round and kept for the run, as a long-running endpoint keeps
 * them: closed at the end (closeEnds). Made and closed every round, they left garbage in the old generation round
 * after round, and after ~13 rounds V8 had grown the young generation beyond what the old generation had left before
 * its limit: from then on it started marking the whole heap every ~35 ms, and the transport rows ran 25-45% slower
 * for the rest of the process (the "slow mode" of earlier sessions; see transport-loopback.md, session of
 * 2026-11-28 22:35). One pair of endpoints kept for 80 rounds of 1 connection never entered it (8 connections still
 * can: their queues keep more alive across scavenges).
 */
const ends = new Map<string, TransportEnds | RawEnds>();

async function transportEnds(connections: number, transient: boolean): Promise<TransportEnds> {
  const key = `transport ${transient} ${connections}`;
  const kept = ends.get(key) as TransportEnds | undefined;
  if (kept !== undefined) return kept;
  const receiver = await LibprocessEndpoint.listen({ transientMessages: transient });
  receiver.register('slave(1)', countDelivered);
  const senders = await Promise.all(
    Array.from({ length: connections }, () => LibprocessEndpoint.listen({ defaultId: 'master' })),
  );
  const to = receiver.upid('slave(1)');
  // Connected before the clock starts, as the raw rows' sockets are.
  await Promise.all(
    senders.map((sender) => {
      const connection = sender.connectionTo(to);
      connection.open();
      return until(() => connection.state === 'open');
    }),
  );
  const made: TransportEnds = { receiver, senders, to };
  ends.set(key, made);
  return made;
}

/**
 * messages/s through LibprocessEndpoints with `connections` senders sharing the work; `transient`: the receiver
 * frees each read's bytes once its messages are handled (transientMessages).
 */
async function transportRate(connections: number, transient = false): Promise<Rate> {
  const { senders, to } = await transportEnds(connections, transient);
  const per = Math.floor(MESSAGES / connections);
  const total = per * connections;
  const bytesWritten = (): number =>
    senders.reduce((sum, sender) => sum + sender.connectionTo(to).stats.bytesWritten, 0);
  const answersRead = (): number => senders.reduce((sum, sender) => sum + sender.connectionTo(to).stats.bytesRead, 0);
  const writtenBefore = bytesWritten();
  const readBefore = answersRead();
  delivered = 0;
  await settle();
  const clock = startClock();
  await Promise.all(senders.map((sender) => sendMessages(sender, to, per)));
  await until(() => delivered >= total);
  const rate = measure(total, clock);
  // The raw rows write the same bytes: check that the transport wrote exactly as many.
  const written = bytesWritten() - writtenBefore;
  if (written !== total * messageBytes) {
    throw new Error(`transport wrote ${written} bytes, the raw rows write ${total * messageBytes}`);
  }
  // And got as many answer bytes back as the `raw both ways` rows send (after the clock: the row is done when the
  // messages are delivered, answers may still be on their way). Every answer is in before the next round.
  await until(() => answersRead() - readBefore >= total * ANSWER.length);
  if (answersRead() - readBefore !== total * ANSWER.length) {
    throw new Error(
      `transport read ${answersRead() - readBefore} answer bytes, the raw rows answer ${total * ANSWER.length}`,
    );
  }
  return rate;
}

/**
 * The bytes `per` messages from one sender occupy (as the transport rows write them). mesos-1.11 framing writes no
 * receiver address (its Host header is empty), so the bytes do not depend on the port: each stream is made once and
 * kept for the run. Made afresh for every round, the raw rows' streams (16.8 MB each at 50,000 messages) were garbage
 * whose collection fell partly into the next rows' measured time, the transport's included.
 */
function encodedStream(per: number, port: number): Uint8Array {
  let out = streams.get(per);
  if (out === undefined) {
    const one = encodeMessage(
      { from: makeUpid('master', '127.0.0.1', 40000), to: makeUpid('slave(1)', '127.0.0.1', port), name: NAME, body },
      'mesos-1.11',
    );
    out = new Uint8Array(one.length * per);
    for (let i = 0; i < per; i++) out.set(one, i * one.length);
    streams.set(per, out);
  }
  return out;
}
const streams = new Map<number, Uint8Array>();

/** How a raw row writes its bytes: 64 KiB slices of the whole stream, one write per message, or one hot slice. */
type RawWrites = 'slices' | 'per-message' | 'hot-slice';

/**
 * The `raw + decode` receivers' handler: counts the requests classified as messages. A class (its method on the
 * prototype), not a closure per connection: V8 throws away the decoder's optimised code when closures it called are
 * collected, and the transport row, which shares that code, then ran its next rounds partly unoptimised.
 */
class MessageCounter implements HttpDecoderHandler {
  messages = 0;

  onMessage(message: HttpMessage): void {
    if (message.kind === 'request' && classifyRequest(message).kind === 'message') this.messages++;
  }
}

/** One raw socket's part of a raw row (module-level for the reason given at sendMessages). */
async function writeRaw(
  socket: net.Socket,
  writes: RawWrites,
  stream: Uint8Array,
  streamBytes: number,
  oneBytes: number,
): Promise<void> {
  if (writes === 'hot-slice') {
    for (let at = 0; at < streamBytes; at += stream.length) {
      const bytes = Math.min(stream.length, streamBytes - at);
      if (!socket.write(bytes === stream.length ? stream : stream.subarray(0, bytes))) {
        await new Promise((resolve) => socket.once('drain', resolve));
      }
    }
    return;
  }
  const step = writes === 'per-message' ? oneBytes : SLICE;
  for (let at = 0; at < stream.length; at += step) {
    if (!socket.write(stream.subarray(at, at + step))) {
      await new Promise((resolve) => socket.once('drain', resolve));
    }
  }
}

/** How a raw row runs (every field defaults to false / 'slices'). */
interface RawOptions {
  /** The receiver runs the HTTP decoder on what it reads. */
  decode?: boolean;
  writes?: RawWrites;
  /** The receiver frees each read once counted (releaseBytes). */
  release?: boolean;
  /** The receiver answers every message it completed with the 202 bytes, the sender reads them (see ANSWER_BYTES). */
  answer?: boolean;
}

/**
 * The endpoint's answer to a message (mesos-1.11: `202 Accepted`, Date, Content-Length: 0), repeated for as many
 * messages as one 64 KiB read can complete, so that a raw receiver answers a read with one subarray.
 */
const ANSWER = encodeAcceptedResponse({ date: new Date() });
const ANSWERS = new Uint8Array(ANSWER.length * 256).map((_, i) => ANSWER[i % ANSWER.length]!);
/** Where raw senders read answers (the endpoints' senders also read theirs into one shared buffer). */
const RAW_ANSWERS_READ = Buffer.allocUnsafeSlow(64 * 1024);
let answerBytesRead = 0;
function countAnswerBytes(length: number): boolean {
  answerBytesRead += length;
  return true;
}

/** Writes the answers to `messages` messages in one write (at most 256 answers per write). */
function writeAnswers(socket: net.Socket, messages: number): void {
  while (messages > 0) {
    const n = Math.min(messages, 256);
    socket.write(ANSWERS.subarray(0, n * ANSWER.length));
    messages -= n;
  }
}

/** A raw row's server and sockets, and what its receivers counted in the current round. */
interface RawEnds {
  readonly server: net.Server;
  readonly sockets: net.Socket[];
  readonly port: number;
  /** Bytes the receivers read this round. */
  readonly tally: { received: number };
  readonly counter: MessageCounter;
}

async function rawEnds(connections: number, options: Required<RawOptions>): Promise<RawEnds> {
  const { decode, writes, release, answer } = options;
  const key = `raw ${decode} ${writes} ${release} ${answer} ${connections}`;
  const kept = ends.get(key) as RawEnds | undefined;
  if (kept !== undefined) return kept;
  const counter = new MessageCounter();
  const tally = { received: 0 };
  const server = net.createServer((socket) => {
    if (!decode) {
      // Kept across rounds: every round sends whole messages, so the count of completed ones carries over.
      let connectionBytes = 0;
      // Answers still being written when the sender closes its socket at the end of the run.
      if (answer) socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => {
        tally.received += chunk.length;
        if (answer) {
          const before = Math.floor(connectionBytes / messageBytes);
          connectionBytes += chunk.length;
          writeAnswers(socket, Math.floor(connectionBytes / messageBytes) - before);
        }
        if (release) releaseBytes(chunk);
      });
      return;
    }
    const decoder = new HttpDecoder(counter, { expect: 'request' });
    socket.on('data', (chunk: Buffer) => decoder.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  const sockets = await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<net.Socket>((resolve) => {
          const onread = answer ? { onread: { buffer: RAW_ANSWERS_READ, callback: countAnswerBytes } } : {};
          const socket = net.connect({ host: '127.0.0.1', port, ...onread } as net.NetConnectOpts, () =>
            resolve(socket),
          );
          socket.setNoDelay(true);
        }),
    ),
  );
  const made: RawEnds = { server, sockets, port, tally, counter };
  ends.set(key, made);
  return made;
}

/**
 * messages/s writing pre-encoded bytes over plain sockets: in 64 KiB slices, one write per message, or one cache-hot
 * slice written repeatedly (see RawWrites); see RawOptions for the receiver's side.
 */
async function rawRate(connections: number, options: RawOptions = {}): Promise<Rate> {
  const { decode = false, writes = 'slices', release = false, answer = false } = options;
  const raw = await rawEnds(connections, { decode, writes, release, answer });
  const { sockets, counter } = raw;
  const per = Math.floor(MESSAGES / connections);
  raw.tally.received = 0;
  counter.messages = 0;
  answerBytesRead = 0;
  // The hot slice: as many whole messages as fit in 64 KiB, at least one (never more than the row sends).
  const inStream = writes === 'hot-slice' ? Math.min(per, Math.max(1, Math.floor(SLICE / messageBytes))) : per;
  const stream = encodedStream(inStream, raw.port);
  const oneBytes = stream.length / inStream;
  // What the row sends per connection: `per` messages.
  const streamBytes = per * oneBytes;
  await settle();
  const clock = startClock();
  await Promise.all(sockets.map((socket) => writeRaw(socket, writes, stream, streamBytes, oneBytes)));
  const total = per * connections;
  await until(() => (decode ? counter.messages >= total : raw.tally.received >= streamBytes * connections));
  const rate = measure(total, clock);
  if (answer) {
    // Every message answered, with the transport's bytes (see transportRate), before the next round.
    await until(() => answerBytesRead >= total * ANSWER.length);
    if (answerBytesRead !== total * ANSWER.length) {
      throw new Error(`raw senders read ${answerBytesRead} answer bytes, expected ${total * ANSWER.length}`);
    }
  }
  return rate;
}

/** Closes every row's endpoints and sockets (see `ends`). */
async function closeEnds(): Promise<void> {
  for (const made of ends.values()) {
    if ('receiver' in made) {
      await Promise.all(made.senders.map((sender) => sender.close(2000)));
      await made.receiver.close(500);
    } else {
      for (const socket of made.sockets) socket.destroy();
      await new Promise((resolve) => made.server.close(resolve));
    }
  }
  ends.clear();
}

/** Bytes of one message as both the transport and the raw rows write it (sender and receiver ports: 5 digits). */
const messageBytes = encodedStream(1, 50510).length;

/** Each row's measured rounds, in the order of ROWS. */
type RowRates = [Rate[], Rate[], Rate[], Rate[], Rate[], Rate[], Rate[], Rate[], Rate[]];

/** The rows' names, in the order of ROWS. */
const ROW_NAMES = [
  'transport',
  'raw bytes',
  'raw hot slice',
  'raw + decode',
  'raw per-message writes',
  'transport, transient',
  'raw bytes, released',
  'raw both ways',
  'raw both ways, released',
] as const;

/** The rows of the full table, in the order they take turns. */
const ROWS: readonly ((connections: number) => Promise<Rate>)[] = [
  transportRate,
  (connections) => rawRate(connections),
  (connections) => rawRate(connections, { writes: 'hot-slice' }),
  (connections) => rawRate(connections, { decode: true }),
  (connections) => rawRate(connections, { writes: 'per-message' }),
  (connections) => transportRate(connections, true),
  (connections) => rawRate(connections, { release: true }),
  (connections) => rawRate(connections, { answer: true }),
  (connections) => rawRate(connections, { answer: true, release: true }),
];

/** `--child-row`: warm-up passes and measured rounds of one row, printed as JSON for the parent. */
async function childRow(): Promise<void> {
  const row = ROWS[CHILD_ROW]!;
  for (let pass = -WARMUP; pass < 0; pass++) reportPass(CHILD_ROW, MANY, pass, await row(MANY));
  const rates: Rate[] = [];
  for (let round = 0; round < ROUNDS; round++) rates.push(reportPass(CHILD_ROW, MANY, round, await row(MANY)));
  process.stdout.write(`${JSON.stringify(rates)}\n`);
}

/**
 * `--isolate`: every row (at each connection count) runs in a process of its own, one after another. In one
 * process the rows share glibc's heap: memory one row allocated and freed is memory the next row's 64 KiB read
 * buffers reuse without page faults (or not), so a change in one row's allocations moved another row's rate.
 * Rows no longer take turns round by round: load that changes over the run falls on some rows more than others.
 */
function isolatedRates(connections: number): RowRates {
  return ROWS.map((_, index) => {
    const args = [...process.execArgv, process.argv[1]!, '--child-row', String(index), '--connections'];
    args.push(String(connections), '--messages', String(MESSAGES), '--rounds', String(ROUNDS));
    args.push('--body', String(BODY), '--warmup', String(WARMUP));
    if (PER_ROUND) args.push('--per-round');
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out.trim().split('\n').at(-1)!) as Rate[];
  }) as RowRates;
}

/** Warm-up passes (see the header), then the measured rounds; the rows take turns in both. */
async function ratesTakingTurns(connections: number): Promise<RowRates> {
  const rates: RowRates = [[], [], [], [], [], [], [], [], []];
  for (let round = -WARMUP; round < ROUNDS; round++) {
    const measured: Rate[] = [];
    for (let index = 0; index < ROWS.length; index++) {
      measured.push(reportPass(index, connections, round, await ROWS[index]!(connections)));
    }
    if (round < 0) continue;
    for (let index = 0; index < ROWS.length; index++) rates[index]!.push(measured[index]!);
  }
  return rates;
}

async function main(): Promise<void> {
  if (CHILD_ROW >= 0) {
    await childRow();
    await closeEnds();
    return;
  }
  process.stdout.write(
    `transport-loopback: ${MESSAGES} messages of ${messageBytes} bytes (${BODY}-byte body), ${ROUNDS} rounds, ` +
      `medians; node ${process.version}; load average ${loadAverage()}${ISOLATE ? '; rows isolated' : ''}\n`,
  );
  if (TRANSPORT_ONLY) {
    for (const connections of MANY_ONLY ? [MANY] : [1, MANY]) {
      const row = TRANSIENT ? 5 : 0;
      for (let pass = -WARMUP; pass < 0; pass++) {
        reportPass(row, connections, pass, await transportRate(connections, TRANSIENT));
      }
      const rates: Rate[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        rates.push(reportPass(row, connections, round, await transportRate(connections, TRANSIENT)));
      }
      process.stdout.write(
        `${String(connections).padStart(2)} connection(s) transport msg/s ${fmt(median(rates.map((r) => r.wall)))} ` +
          `msg/cpu-s ${fmt(median(rates.map((r) => r.cpu)))}\n`,
      );
    }
    await closeEnds();
    process.stdout.write(`load average at the end: ${loadAverage()}\n`);
    return;
  }
  for (const connections of [1, MANY]) {
    const [transport, raw, rawHot, rawDecode, rawWrites, transient, rawReleased, both, bothReleased] = ISOLATE
      ? isolatedRates(connections)
      : await ratesTakingTurns(connections);
    const label = `${connections} connection${connections === 1 ? '' : 's'}`;
    for (const key of ['wall', 'cpu'] as const) {
      const t = median(transport.map((r) => r[key]));
      const r = median(raw.map((x) => x[key]));
      const h = median(rawHot.map((x) => x[key]));
      const d = median(rawDecode.map((x) => x[key]));
      const w = median(rawWrites.map((x) => x[key]));
      process.stdout.write(
        `${label.padEnd(14)} ${key === 'wall' ? 'msg/s     ' : 'msg/cpu-s '} transport ${fmt(t)} | raw bytes ${fmt(r)} ` +
          `(${pct(t, r)}) | raw hot slice ${fmt(h)} (${pct(t, h)}) | raw + decode ${fmt(d)} (${pct(t, d)}) | ` +
          `raw per-message writes ${fmt(w)} (${pct(t, w)})\n`,
      );
      const tt = median(transient.map((x) => x[key]));
      const rr = median(rawReleased.map((x) => x[key]));
      process.stdout.write(
        `${''.padEnd(14)} ${key === 'wall' ? 'msg/s     ' : 'msg/cpu-s '} transport, transient ${fmt(tt)} | ` +
          `raw bytes ${pct(tt, r)} | raw hot slice ${pct(tt, h)} | raw bytes, released ${fmt(rr)} (${pct(tt, rr)}) ` +
          `| transient / default ${(tt / t).toFixed(2)}x\n`,
      );
      const b = median(both.map((x) => x[key]));
      const br = median(bothReleased.map((x) => x[key]));
      process.stdout.write(
        `${''.padEnd(14)} ${key === 'wall' ? 'msg/s     ' : 'msg/cpu-s '} raw both ways ${fmt(b)}: transport ` +
          `${pct(t, b)} | raw both ways, released ${fmt(br)}: transport, transient ${pct(tt, br)}\n`,
      );
    }
  }
  await closeEnds();
  process.stdout.write(`load average at the end: ${loadAverage()}\n`);
}

/** The machine's 1-minute load average and CPU count: other work on the machine changes the wall-clock rows. */
function loadAverage(): string {
  return `${os.loadavg()[0]!.toFixed(2)} on ${os.availableParallelism()} CPUs`;
}

function fmt(rate: number): string {
  return Math.round(rate).toLocaleString('en-US').padStart(10);
}

function pct(a: number, b: number): string {
  return `${((a / b) * 100).toFixed(1)}%`;
}

await main();
