import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { runCaptureDecode, runCaptureStats } from '../../src/cli/capture-commands.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { AGENT, CLIENT, EXAMPLE_C, FIXTURE_EPOCH } from '../helpers/pcap-fixtures.ts';
import { ethernetFrame, pcapFile, recordsAt, TcpConversation } from '../helpers/pcap-writer.ts';
import './helpers.ts';

const API = 'fixtures/pcap/sessions/scheduler-api.pcap';
const LIBPROCESS = 'fixtures/pcap/sessions/libprocess-session.pcap';

function context(stdout: Writable = new PassThrough()): CliContext & { out: () => string; err: () => string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        into.push(Buffer.from(chunk));
        cb();
      },
    });
  const stdoutSink = stdout instanceof PassThrough ? sink(out) : stdout;
  return {
    stdin: Readable.from([]),
    stdout: stdoutSink,
    stderr: sink(err),
    env: {},
    setExit() {},
    out: () => Buffer.concat(out).toString(),
    err: () => Buffer.concat(err).toString(),
  };
}

async function ndjson(file: string, filters: Record<string, string> = {}) {
  const ctx = context();
  const code = await runCaptureDecode(file, { format: 'ndjson', hexLimit: 64, ...filters }, ctx);
  return {
    code,
    lines: ctx
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('decode on captures', () => {
  it('ndjson: every item has flow, time and frame; diagnostics are objects of their own', async () => {
    const { code, lines } = await ndjson(API);
    assert.equal(code, 0);
    const summary = lines.map(
      (l) => `${l.type} ${l.frame ?? '-'} ${l.time ?? '-'} ${l.flow ?? '-'} ${l.typeName ?? l.kind ?? ''}`,
    );
    assert.deepEqual(summary.slice(0, 6), [
      'request 4 2026-11-27T21:00:00.010000Z 10.0.0.3:47000>10.0.0.1:5050 mesos.v1.scheduler.Call',
      'response 5 2026-11-27T21:00:00.020000Z 10.0.0.1:5050>10.0.0.3:47000 ',
      'record 6 2026-11-27T21:00:00.020001Z 10.0.0.1:5050>10.0.0.3:47000 mesos.v1.scheduler.Event',
      'record 7 2026-11-27T21:00:00.021000Z 10.0.0.1:5050>10.0.0.3:47000 mesos.v1.scheduler.Event',
      'record 8 2026-11-27T21:00:00.100000Z 10.0.0.1:5050>10.0.0.3:47000 mesos.v1.scheduler.Event',
      'request 12 2026-11-27T21:00:00.300000Z 10.0.0.3:47001>10.0.0.1:5050 mesos.v1.scheduler.Call',
    ]);
    assert.equal(lines.length, 24);
    const subscribed = lines[2]!;
    assert.deepEqual(subscribed.body, {
      type: 'SUBSCRIBED',
      subscribed: { framework_id: { value: 'fw-0002' }, heartbeat_interval_seconds: 15.0 },
    });
    assert.equal(subscribed.response, 0);
    assert.equal(lines[1]!.stream, 'recordio');
    assert.equal(lines[1]!.request, '/api/v1/scheduler');
    const heartbeat = lines.find((l) => l.kind === 'heartbeat-missed')!;
    assert.deepEqual(heartbeat, {
      type: 'diagnostic',
      kind: 'heartbeat-missed',
      streamOffset: 0,
      intervalSeconds: 15,
      silentSeconds: 35,
      flow: '10.0.0.1:5050>10.0.0.3:47000',
      connection: 1,
      direction: 'server-to-client',
      frame: 48,
      time: '2026-11-27T21:00:50.021000Z',
    });
  });

  it('a packet without a time (pcapng Simple Packet Block): ndjson time null, text (no time), not the epoch', async () => {
    // tshark on the same file: frame 6 has no frame.time_epoch.
    const file = 'fixtures/pcap/generated/two-sections.pcapng';
    const { lines } = await ndjson(file);
    assert.deepEqual(
      lines.filter((l) => l.type === 'message' || l.type === 'response').map((l) => `${l.type} ${l.frame} ${l.time}`),
      ['message 5 2026-11-27T22:00:00.500000000Z', 'response 6 null'],
    );
    const ctx = context();
    await runCaptureDecode(file, { format: 'text', hexLimit: 64 }, ctx);
    assert.match(ctx.out(), /^#6 \(no time\) 10\.0\.0\.2:5051>10\.0\.0\.1:40000$/m);
  });

  it('--name GLOB matches wire names and Type.TAG of typed bodies', async () => {
    const { lines } = await ndjson(LIBPROCESS, { name: '*StatusUpdate*' });
    assert.deepEqual(
      lines.map((l) => `${l.frame} ${l.name}`),
      [
        '31 mesos.internal.StatusUpdateMessage',
        '33 mesos.internal.StatusUpdateMessage',
        '37 mesos.internal.StatusUpdateAcknowledgementMessage',
      ],
    );
    const api = await ndjson(API, { name: 'mesos.v1.scheduler.Event.OFFERS' });
    assert.deepEqual(
      api.lines.map((l) => `${l.type} ${l.frame}`),
      ['record 8', 'stream-end 49'],
    );
  });

  it('--upid matches the sender or the receiver; --flow one connection either way; --framework ids in bodies', async () => {
    const upid = await ndjson(LIBPROCESS, { upid: 'scheduler-1@10.0.0.3:40123' });
    assert.deepEqual(
      upid.lines.map((l) => `${l.frame} ${l.name}`),
      [
        '23 mesos.internal.FrameworkRegisteredMessage',
        '25 mesos.internal.ResourceOffersMessage',
        '33 mesos.internal.StatusUpdateMessage',
      ],
    );
    const flow = await ndjson(LIBPROCESS, { flow: '10.0.0.1:5050>10.0.0.3:43000' });
    assert.deepEqual(
      flow.lines.map((l) => `${l.type} ${l.frame} ${l.kind ?? l.name ?? l.status}`),
      [
        'message 18 mesos.scheduler.Call',
        'diagnostic 18 upid-address-mismatch',
        'response 19 202',
        'message 27 mesos.scheduler.Call',
        'response 28 202',
        'message 35 mesos.scheduler.Call',
        'response 36 202',
      ],
    );
    const framework = await ndjson(API, { framework: 'fw-0003' });
    assert.deepEqual(
      framework.lines.map((l) => `${l.type} ${l.frame}`),
      ['record 33', 'stream-end 35'],
    );
  });

  it('output streams: the first records are written before the capture is read to the end', async () => {
    // 3000 messages on one connection (about 800 KB, several 256 KiB reads).
    const c = new TcpConversation(CLIENT, AGENT);
    const frames = [...c.handshake()];
    for (let i = 0; i < 3000; i++) frames.push(...c.send('client', EXAMPLE_C));
    frames.push(...c.close());
    const file = join(mkdtempSync(join(tmpdir(), 'mesos-wire-')), 'big.pcap');
    writeFileSync(
      file,
      pcapFile({
        linkType: 1,
        records: recordsAt(
          FIXTURE_EPOCH,
          frames.map((f) => ethernetFrame(0x0800, f)),
        ),
      }),
    );
    const writes: string[] = [];
    const stdout = new Writable({
      write(chunk: Buffer, _e, cb) {
        writes.push(chunk.toString());
        cb();
      },
    });
    const code = await runCaptureDecode(file, { format: 'ndjson', hexLimit: 0 }, context(stdout));
    assert.equal(code, 0);
    const all = writes.join('').trimEnd().split('\n');
    // 3000 messages and one upid-address-mismatch (Example C's UPID is 10.0.0.2, sent from 10.0.0.1).
    assert.equal(all.filter((l) => l.startsWith('{"type":"message"')).length, 3000);
    assert.equal(all.length, 3001);
    // Written piece by piece as the file is read: the first piece holds the first messages, not the last ones.
    assert.ok(writes.length >= 3, `${writes.length} writes`);
    assert.ok(writes[0]!.includes('"frame":4,'));
    assert.ok(!writes[0]!.includes('"frame":3003,'));
    assert.ok(all.at(-1)!.includes('"frame":3003,'));
  });

  it('text: each item under the frame, time and flow that carried it; diagnostics by title', async () => {
    const ctx = context();
    await runCaptureDecode(LIBPROCESS, { format: 'text', hexLimit: 64, flow: '10.0.0.4:45000' }, ctx);
    const text = ctx.out();
    assert.match(
      text,
      /^#42 2026-11-27T21:00:09\.010000Z 10\.0\.0\.4:45000>10\.0\.0\.1:5050\n@0 message slave\(2\)@127\.0\.1\.1:5051 -> slave-observer\(1\) {2}mesos\.internal\.PongSlaveMessage\n/,
    );
    assert.match(
      text,
      /#42 Loopback UPID on a network connection \(upid-loopback-address\): streamOffset=0 upid=slave\(2\)@127\.0\.1\.1:5051/,
    );
    assert.match(text, /#51 libprocess message rejected \(libprocess-error-response\): streamOffset=324 status=404/);
  });
});

describe('stats on captures', () => {
  it('json: counts plus flows, frameworks, agents, latencies and diagnostics by kind', async () => {
    const ctx = context();
    const code = await runCaptureStats(LIBPROCESS, { format: 'json' }, ctx);
    assert.equal(code, 0);
    const s = JSON.parse(ctx.out());
    assert.equal(s.totals.messages, 20);
    assert.equal(s.totals.responses, 20);
    assert.deepEqual(
      s.responses.map((r: { status: number; count: number; wireBytes: number }) => [r.status, r.count, r.wireBytes]),
      [
        [202, 19, 1539],
        [404, 1, 138],
      ],
    );
    assert.deepEqual(s.frameworks, [{ key: 'fw-0001', items: 8, wireBytes: 2296 }]);
    assert.deepEqual(s.latencies.launchToRunning, {
      count: 1,
      p50: 1000,
      p90: 1000,
      p99: 1000,
      max: 1000,
      unmatched: 0,
    });
    assert.equal(s.connections, 6);
    assert.deepEqual(s.diagnostics, {
      'upid-address-mismatch': 2,
      'registration-repeated': 1,
      'upid-loopback-address': 1,
      'libprocess-sender-mismatch': 1,
      'message-unknown-name': 1,
      'body-undecodable': 1,
      'libprocess-error-response': 1,
      'tls-encrypted': 1,
    });
  });
});

describe('progress bar', () => {
  async function stderrOf(isTTY: boolean, minBytes: number): Promise<string> {
    const { readCaptureEvents } = await import('../../src/cli/capture-input.ts');
    const ctx = context();
    (ctx.stderr as { isTTY?: boolean }).isTTY = isTTY;
    const outcome = await readCaptureEvents(
      LIBPROCESS,
      ctx,
      () => {},
      async () => {},
      {},
      minBytes,
    );
    assert.equal(outcome.kind, 'ok');
    return ctx.err();
  }

  it('drawn on a TTY for large inputs, then cleared', async () => {
    const text = await stderrOf(true, 0);
    assert.match(text, /^\r\[#{30}\] 100% 0\/0 MiB\r {60}\r$/);
  });

  it('never when stderr is not a TTY, nor for inputs under the threshold', async () => {
    assert.equal(await stderrOf(false, 0), '');
    assert.equal(await stderrOf(true, 64 * 1024 * 1024), '');
  });
});
