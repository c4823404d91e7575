/**
 * End-to-end libprocess messages over loopback with the sender and the receiver in two processes, as libprocess
 * peers are: the CPU time of both processes per message, against raw sockets carrying the same bytes both ways.
 * `transport-loopback.ts` runs both ends in one process (one event loop, which also paces the sender); here each side
 * has its own, so a receiver that falls behind reads a backlog, as a real one does.
 *
 *   node --conditions=mesos-wire-source bench/transport-processes.ts [--messages 300000] [--passes 10]
 *     [--warmup 4] [--connections 8] [--runs 3] [--body 100] [--rows 1,3] [--names 1]
 *
 * `--names K` sends K message names in turns (up to 26; see NAMES): a connection interleaving message types, as Mesos
 * connections do.
 *
 * Rows (each run starts every row in fresh processes, rows taking turns; `--rows` picks some by index from 0, e.g.
 * `--rows 1,3` for the transient row and its baseline):
 * - `transport`: LibprocessEndpoint senders (`--connections` of them, one connection each) write, the receiving
 *   endpoint decodes, dispatches and answers `202 Accepted`; the senders read the answers.
 * - `transport, transient`: the receiver with `transientMessages`.
 * - `raw both ways`: the same message bytes written in 64 KiB slices to plain sockets; the receiver answers each read
 *   with the 202 bytes of the messages it completed (one write), the sender reads them into one reused buffer.
 * - `raw both ways, released`: as `raw both ways`, and the receiver frees each read at once (releaseBytes), as the
 *   transient receiver does.
 *
 * A pass sends `--messages` messages and ends when the receiver has them all and the senders have read every answer;
 * each process reports its own CPU time for the pass. A row's figure is the median over its measured passes of
 * receiver + sender CPU per message; the table gives the median over the runs, the ratios the median of each run's.
 */
import { type ChildProcess, fork } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { releaseBytes } from '../src/bytes/index.ts';
import { encodeAcceptedResponse, encodeMessage, makeUpid, type Upid } from '../src/libprocess/index.ts';
import { LibprocessEndpoint } from '../src/transport/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const MESSAGES = arg('messages', 300_000);
const PASSES = arg('passes', 10);
const WARMUP = arg('warmup', 4);
const CONNECTIONS = arg('connections', 8);
const RUNS = arg('runs', 3);
const BODY = arg('body', 100);
const NAME = 'mesos.internal.StatusUpdateAcknowledgementMessage';
/**
 * `--names K`: NAME, then NAME with 1 to K-1 letters more (heads of K lengths, as Mesos message names have); the
 * body of message k is k bytes shorter, so that every message has the same size.
 */
const NAMES = Array.from({ length: Math.min(26, Math.max(1, arg('names', 1))) }, (_, k) => `${NAME}${'X'.repeat(k)}`);
const SLICE = 64 * 1024;
const PER = Math.floor(MESSAGES / CONNECTIONS);
const TOTAL = PER * CONNECTIONS;

const body = new Uint8Array(BODY).map((_, i) => (i * 31) & 0xff);
/** One message as the transport's senders write it (mesos-1.11: no receiver address in it, so any port). */
/** Message k's body (see NAMES). */
const BODIES = NAMES.map((_, k) => body.subarray(0, Math.max(0, BODY - k)));
const ONES = NAMES.map((name, k) =>
  encodeMessage(
    {
      from: makeUpid('master', '127.0.0.1', 40000),
      to: makeUpid('slave(1)', '127.0.0.1', 50510),
      name,
      body: BODIES[k],
    },
    'mesos-1.11',
  ),
);
if (ONES.some((one) => one.length !== ONES[0]!.length)) throw new Error('--names needs --body of at least names + 16');
const ONE = ONES[0]!;
/** The receiving endpoint's answer to each message (with its Date header: 81 bytes). */
const ANSWER = encodeAcceptedResponse({ date: new Date() });

const ALL_ROWS = ['transport', 'transport, transient', 'raw both ways', 'raw both ways, released'] as const;
type Row = (typeof ALL_ROWS)[number];
const ROWS_ARG = process.argv.indexOf('--rows');
const ROWS: readonly Row[] =
  ROWS_ARG < 0 ? ALL_ROWS : process.argv[ROWS_ARG + 1]!.split(',').map((index) => ALL_ROWS[Number(index)]!);

/** Parent -> child: run pass `pass`. Child -> parent: ready (with the receiver's port), or a pass's CPU seconds. */
type ToChild = { pass: number };
type FromChild = { port?: number; ready?: true; cpu?: number };

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Resolves once `condition()` holds, checked every millisecond (a busy wait would add CPU time of its own). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** A child's loop: on each pass message, run `pass` and report its CPU time. */
function servePasses(pass: (index: number) => Promise<void>): void {
  process.on('message', async (message: ToChild) => {
    const started = cpuSeconds();
    await pass(message.pass);
    process.send!({ cpu: cpuSeconds() - started } satisfies FromChild);
  });
}

async function transportReceiver(transient: boolean): Promise<void> {
  let delivered = 0;
  const endpoint = await LibprocessEndpoint.listen({ transientMessages: transient });
  endpoint.register('slave(1)', () => {
    delivered++;
  });
  servePasses(async (pass) => until(() => delivered >= (pass + 1) * TOTAL));
  process.send!({ port: endpoint.advertisedAddress.port } satisfies FromChild);
}

async function transportSender(port: number): Promise<void> {
  const senders = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => LibprocessEndpoint.listen({ defaultId: 'master' })),
  );
  const to: Upid = makeUpid('slave(1)', '127.0.0.1', port);
  const send = async (sender: LibprocessEndpoint): Promise<void> => {
    for (let i = 0; i < PER; i++) {
      const k = i % NAMES.length;
      while (!sender.write({ to, name: NAMES[k]!, body: BODIES[k] })) await sender.whenWritable(to);
    }
  };
  servePasses(async (pass) => {
    await Promise.all(senders.map(send));
    const answered = (pass + 1) * PER * ANSWER.length;
    await until(() => senders.every((sender) => sender.connectionTo(to).stats.bytesRead >= answered));
  });
  process.send!({ ready: true } satisfies FromChild);
}

async function rawReceiver(release: boolean): Promise<void> {
  let received = 0;
  const answers = new Uint8Array(ANSWER.length * 256).map((_, i) => ANSWER[i % ANSWER.length]!);
  const server = net.createServer((socket) => {
    let bytes = 0;
    // Answers still on their way when the parent ends the run.
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      const before = Math.floor(bytes / ONE.length);
      bytes += chunk.length;
      for (let n = Math.floor(bytes / ONE.length) - before; n > 0; n -= 256) {
        socket.write(answers.subarray(0, Math.min(n, 256) * ANSWER.length));
      }
      if (release) releaseBytes(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  servePasses(async (pass) => until(() => received >= (pass + 1) * TOTAL * ONE.length));
  process.send!({ port: (server.address() as net.AddressInfo).port } satisfies FromChild);
}

async function rawSender(port: number): Promise<void> {
  let answerBytes = 0;
  // One buffer for every answer read, as the endpoints' senders have.
  const readInto = Buffer.allocUnsafeSlow(64 * 1024);
  const onread = {
    buffer: readInto,
    callback: (length: number) => {
      answerBytes += length;
      return true;
    },
  };
  const sockets = await Promise.all(
    Array.from(
      { length: CONNECTIONS },
      () =>
        new Promise<net.Socket>((resolve) => {
          const socket = net.connect({ host: '127.0.0.1', port, onread } as net.NetConnectOpts, () => resolve(socket));
          socket.setNoDelay(true);
        }),
    ),
  );
  const stream = new Uint8Array(ONE.length * PER);
  for (let i = 0; i < PER; i++) stream.set(ONES[i % ONES.length]!, i * ONE.length);
  const send = async (socket: net.Socket): Promise<void> => {
    for (let at = 0; at < stream.length; at += SLICE) {
      if (!socket.write(stream.subarray(at, at + SLICE))) await new Promise((resolve) => socket.once('drain', resolve));
    }
  };
  servePasses(async (pass) => {
    await Promise.all(sockets.map(send));
    await until(() => answerBytes >= (pass + 1) * TOTAL * ANSWER.length);
  });
  process.send!({ ready: true } satisfies FromChild);
}

/** The child's next message (rejects if it exits first). */
function next(child: ChildProcess): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null): void => reject(new Error(`child exited (${code}) before answering`));
    child.once('exit', exited);
    child.once('message', (message: FromChild) => {
      child.off('exit', exited);
      resolve(message);
    });
  });
}

/** One row in two fresh processes: CPU nanoseconds per message of each measured pass, receiver and sender. */
async function measureRow(row: Row): Promise<{ receiver: number[]; sender: number[] }> {
  const start = (role: string, extra: string[] = []): ChildProcess =>
    fork(process.argv[1]!, ['--role', role, ...extra, ...process.argv.slice(2)], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  const raw = row.startsWith('raw');
  const receiver = start(
    raw ? 'raw-receiver' : 'transport-receiver',
    row.endsWith(', released') || row.endsWith(', transient') ? ['--free'] : [],
  );
  const { port } = await next(receiver);
  const sender = start(raw ? 'raw-sender' : 'transport-sender', ['--port', String(port)]);
  await next(sender);
  const out = { receiver: [] as number[], sender: [] as number[] };
  try {
    for (let pass = 0; pass < WARMUP + PASSES; pass++) {
      const replies = [next(receiver), next(sender)];
      receiver.send({ pass } satisfies ToChild);
      sender.send({ pass } satisfies ToChild);
      const [r, s] = await Promise.all(replies);
      if (pass < WARMUP) continue;
      out.receiver.push((r!.cpu! * 1e9) / TOTAL);
      out.sender.push((s!.cpu! * 1e9) / TOTAL);
    }
  } finally {
    receiver.kill();
    sender.kill();
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const role = process.argv[process.argv.indexOf('--role') + 1];
  if (process.argv.includes('--role')) {
    const free = process.argv.includes('--free');
    const port = arg('port', 0);
    if (role === 'transport-receiver') await transportReceiver(free);
    else if (role === 'transport-sender') await transportSender(port);
    else if (role === 'raw-receiver') await rawReceiver(free);
    else await rawSender(port);
    return;
  }
  process.stdout.write(
    `transport-processes: ${TOTAL} messages of ${ONE.length} bytes (${NAMES.length} name(s)) per pass, ${CONNECTIONS} connection(s), ` +
      `${WARMUP} + ${PASSES} passes, ${RUNS} runs; node ${process.version}; load ${os.loadavg()[0]!.toFixed(2)}\n`,
  );
  // Per run and row: median ns per message of receiver, sender, and both.
  const runs: Record<Row, { receiver: number; sender: number; both: number }>[] = [];
  for (let run = 0; run < RUNS; run++) {
    const figures = {} as Record<Row, { receiver: number; sender: number; both: number }>;
    for (const row of ROWS) {
      const { receiver, sender } = await measureRow(row);
      const both = receiver.map((r, i) => r + sender[i]!);
      figures[row] = { receiver: median(receiver), sender: median(sender), both: median(both) };
      process.stdout.write(
        `run ${run + 1} ${row.padEnd(24)} receiver ${ns(median(receiver))} sender ${ns(median(sender))} ` +
          `both ${ns(median(both))} = ${rate(median(both))} msg/cpu-s (passes, both: ${both.map(ns).join(' ')})\n`,
      );
    }
    runs.push(figures);
  }
  // A row's rate as a share of the baseline's: the baseline's time per message over the row's.
  const share = (row: Row, baseline: Row): string =>
    `${(median(runs.map((f) => f[baseline].both / f[row].both)) * 100).toFixed(1)}% (runs: ${runs
      .map((f) => `${((f[baseline].both / f[row].both) * 100).toFixed(0)}%`)
      .join(' ')})`;
  process.stdout.write('\nmedian of the runs, msg per CPU-second of both processes:\n');
  for (const row of ROWS) process.stdout.write(`  ${row.padEnd(24)} ${rate(median(runs.map((f) => f[row].both)))}\n`);
  const pairs: [Row, Row][] = [
    ['transport', 'raw both ways'],
    ['transport, transient', 'raw both ways, released'],
    ['transport', 'raw both ways, released'],
  ];
  for (const [row, baseline] of pairs) {
    if (ROWS.includes(row) && ROWS.includes(baseline)) {
      process.stdout.write(`${row} of ${baseline}: ${share(row, baseline)}\n`);
    }
  }
  process.stdout.write(`load at the end: ${os.loadavg()[0]!.toFixed(2)} on ${os.availableParallelism()} CPUs\n`);
}

function ns(value: number): string {
  return `${value.toFixed(0).padStart(5)} ns`;
}

function rate(nsPerMessage: number): string {
  return Math.round(1e9 / nsPerMessage)
    .toLocaleString('en-US')
    .padStart(10);
}

await main();
