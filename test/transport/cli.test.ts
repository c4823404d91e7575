import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runListen } from '../../src/cli/commands/listen.ts';
import { runReplay } from '../../src/cli/commands/replay.ts';
import { runSend, type SendCommandOptions } from '../../src/cli/commands/send.ts';
import { formatUpid } from '../../src/libprocess/index.ts';
import { type InboundMessage, LibprocessEndpoint } from '../../src/transport/endpoint.ts';
import { messagesFromCaptureFile, messagesFromRawStream, replayMessages } from '../../src/transport/replay.ts';
import { toHexString } from '../helpers/bytes.ts';
import { cliContext } from './cli-context.ts';
import { until } from './sockets.ts';

const SESSION = fileURLToPath(new URL('../../fixtures/raw/libprocess-session.bin', import.meta.url));
const CORRUPT = fileURLToPath(new URL('../../fixtures/raw/libprocess-corrupt.bin', import.meta.url));
const PCAP = fileURLToPath(new URL('../../fixtures/pcap/real/lo-ipv4.pcap', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/mesos-wire.js', import.meta.url));

// Whatever a test opened is closed after it, also when an assertion failed (an open server would hang the run).
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function receiver(
  options: { ids?: string[] } = {},
): Promise<{ endpoint: LibprocessEndpoint; got: InboundMessage[] }> {
  const endpoint = await LibprocessEndpoint.listen({ acceptAnyId: options.ids === undefined });
  cleanups.push(() => endpoint.close(200));
  for (const id of options.ids ?? []) endpoint.register(id);
  const got: InboundMessage[] = [];
  endpoint.on('message', (m) => got.push(m));
  return { endpoint, got };
}

function send(options: Partial<SendCommandOptions> & { to: string }, stdin = '') {
  const ctx = cliContext(stdin);
  return runSend({ format: 'text', timeout: 2000, retries: 0, ...options }, ctx).then((code) => ({ code, ctx }));
}

describe('mesos-wire send', () => {
  it('sends a hex body and exits 0 on 202', async () => {
    const { endpoint, got } = await receiver({ ids: ['master'] });
    const to = formatUpid(endpoint.upid('master'));
    const { code, ctx } = await send({ to, name: 'mesos.internal.PingSlaveMessage', bodyHex: '08 01' });
    assert.equal(code, 0);
    assert.match(ctx.out(), /^202 {2}mesos\.internal\.PingSlaveMessage -> master@127\.0\.0\.1:\d+ \(2 bytes\)\n$/);
    assert.equal(toHexString(got[0]!.body), '0801');
    await endpoint.close(200);
  });

  it('encodes Mesos JSON by wire name (--json -) and sends it from --from', async () => {
    const { endpoint, got } = await receiver();
    const to = formatUpid(endpoint.upid('slave(1)'));
    const { code } = await send(
      { to, name: 'mesos.internal.PingSlaveMessage', json: '-', from: 'slave-observer(7)@10.1.2.3:5050' },
      '{"connected": true}',
    );
    assert.equal(code, 0);
    assert.equal(toHexString(got[0]!.body), '0801');
    assert.equal(formatUpid(got[0]!.from), 'slave-observer(7)@10.1.2.3:5050');
    await endpoint.close(200);
  });

  it('sends every line of an ndjson messages file in order; exits 1 when one is refused (404)', async () => {
    const { endpoint, got } = await receiver({ ids: ['master'] });
    const to = formatUpid(endpoint.upid('master'));
    const other = formatUpid(endpoint.upid('nobody'));
    const lines = [
      '{"name":"mesos.internal.PingSlaveMessage","json":{"connected":false}}',
      '',
      `{"name":"test.Raw","bodyHex":"0a00","to":"${other}"}`,
      '{"name":"mesos.internal.PongSlaveMessage"}',
    ].join('\n');
    const { code, ctx } = await send({ to, messages: '-', format: 'ndjson' }, lines);
    assert.equal(code, 1);
    const records = ctx
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      records.map((r) => [r.name, r.status, r.bytes]),
      [
        ['mesos.internal.PingSlaveMessage', 202, 2],
        ['test.Raw', 404, 2],
        ['mesos.internal.PongSlaveMessage', 202, 0],
      ],
    );
    assert.deepEqual(
      got.map((m) => m.name),
      ['mesos.internal.PingSlaveMessage', 'test.Raw', 'mesos.internal.PongSlaveMessage'],
    );
    assert.match(ctx.err(), /refused 1 of 3/);
    await endpoint.close(200);
  });

  it('send/replay --no-answers report messages once written, for peers of eras that never answer', async () => {
    const old = await LibprocessEndpoint.listen({ mesosVersion: '0.18.0', acceptAnyId: true });
    cleanups.push(() => old.close(200));
    const got: InboundMessage[] = [];
    old.on('message', (m) => got.push(m));
    const to = formatUpid(old.upid('master'));
    const waiting = await send({ to, name: 'test.A', timeout: 300 });
    assert.equal(waiting.code, 3);
    assert.match(waiting.ctx.err(), /no answer within 300 ms \(Mesos before 1\.4 does not answer .*--no-answers\)/);
    const { code, ctx } = await send({ to, name: 'test.B', answers: false });
    assert.equal(code, 0, ctx.err());
    assert.match(ctx.out(), /^sent {2}test\.B -> master@/);
    await until(() => got.length === 2, 2000, 'both delivered');
    const replayCtx = cliContext();
    const replayed = await runReplay(SESSION, { to, answers: false, wait: 0, format: 'text' }, replayCtx);
    assert.equal(replayed, 0, replayCtx.err());
    assert.match(replayCtx.out(), /summary: selected 6, sent 6, accepted 0, refused 0, failed 0, came back 0\n$/);
    await until(() => got.length === 8, 2000, 'replayed messages delivered');
    await old.close(200);
  });

  it('exits 3 with the reason when the peer cannot be reached, 2 for bad arguments', async () => {
    const gone = await LibprocessEndpoint.listen();
    cleanups.push(() => gone.close(100));
    const to = formatUpid(gone.upid('master'));
    await gone.close(100);
    const unreachable = await send({ to, name: 'x' });
    assert.equal(unreachable.code, 3);
    assert.match(unreachable.ctx.err(), /cannot reach 127\.0\.0\.1:\d+ \(connect ECONNREFUSED/);
    assert.equal((await send({ to: 'not-a-upid', name: 'x' })).code, 2);
    assert.equal((await send({ to, name: 'x', bodyHex: '0', json: '-' })).code, 2);
    const badName = await send({ to, name: 'has space' });
    assert.equal(badName.code, 2);
    assert.match(badName.ctx.err(), /MW_LIBPROCESS_BAD_NAME/);
    const badJson = await send({ to, name: 'mesos.internal.PingSlaveMessage', json: '-' }, '{"connected": 3}');
    assert.equal(badJson.code, 1);
    assert.match(badJson.ctx.err(), /MW_JSON_TYPE/);
  });
});

describe('mesos-wire listen and replay', () => {
  it('replaying a raw fixture into listen yields the same messages, answered 202', async () => {
    const listenCtx = cliContext();
    const stop = new AbortController();
    cleanups.push(() => stop.abort());
    const listening = runListen({ ip: '127.0.0.1', port: 0, format: 'ndjson' }, listenCtx, stop.signal);
    await until(() => listenCtx.out().includes('\n'), 3000, 'listening line');
    const first = JSON.parse(listenCtx.out().split('\n')[0]!);
    assert.equal(first.type, 'listening');
    const expected = messagesFromRawStream(new Uint8Array(readFileSync(SESSION))).messages;
    assert.equal(expected.length, 6);

    const replayCtx = cliContext();
    const code = await runReplay(SESSION, { to: first.address, wait: 50, format: 'ndjson' }, replayCtx);
    assert.equal(code, 0, replayCtx.err());
    await until(() => listenCtx.out().trim().split('\n').length === 7, 3000, 'six messages printed');
    stop.abort();
    assert.equal(await listening, 0);
    const printed = listenCtx
      .out()
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      printed.map((m) => [m.name, m.to, m.bodyHex, m.status]),
      expected.map((m) => [m.name, m.to, toHexString(m.body), 202]),
    );
    // Senders keep their ids but carry the replayer's address, so replies would reach it.
    const replayed = replayCtx
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const replayer = replayed[0].listening as string;
    assert.deepEqual(
      printed.map((m) => m.from),
      expected.map((m) => `${m.from.id}@${replayer}`),
    );
    const summary = replayed.at(-1);
    assert.deepEqual(
      [summary.selected, summary.sent, summary.accepted, summary.refused, summary.failed],
      [6, 6, 6, 0, 0],
    );
  });

  it('replay filters by name glob, rewrites senders, counts refusals and replies that came back', async () => {
    const { endpoint, got } = await receiver({ ids: ['master'] });
    // The peer answers each Call at the application level on its own connection to the sender's address.
    endpoint.register('master', (m) => {
      void endpoint.send({ to: m.from, from: 'master', name: 'mesos.internal.Ack' }).catch(() => {});
    });
    const ctx = cliContext();
    const code = await runReplay(
      SESSION,
      {
        to: `127.0.0.1:${endpoint.address.port}`,
        name: ['mesos.scheduler.*', '*PongSlave*'],
        rewriteFrom: ['slave(1)@10.0.0.2:5051=agent(9)@10.9.9.9:1'],
        wait: 200,
        format: 'text',
      },
      ctx,
    );
    assert.equal(code, 1, ctx.out());
    assert.deepEqual(
      got.map((m) => [m.name, formatUpid(m.from).replace(/:\d+$/, ':P')]),
      [
        ['mesos.scheduler.Call', 'scheduler-5d1c0a3e-2b7f-4c9e-8a61-0f3b2c4d5e6f@127.0.0.1:P'],
        ['mesos.internal.PongSlaveMessage', 'agent(9)@10.9.9.9:P'],
        ['mesos.scheduler.Call', 'scheduler-5d1c0a3e-2b7f-4c9e-8a61-0f3b2c4d5e6f@127.0.0.1:P'],
      ],
    );
    // The Pong goes to slave-observer(1), which does not exist there: 404.
    assert.match(ctx.out(), /summary: selected 3, sent 3, accepted 2, refused 1, failed 0, came back 2\n$/);
    await endpoint.close(200);
  });

  it('replay --dry-run sends nothing; a corrupt capture is replayed around its bad bytes', async () => {
    const { endpoint, got } = await receiver();
    const ctx = cliContext();
    const to = formatUpid(endpoint.upid('master'));
    assert.equal(await runReplay(SESSION, { to, dryRun: true, format: 'text' }, ctx), 0);
    assert.equal(ctx.out().match(/^would send #\d /gm)?.length, 6);
    assert.match(ctx.out(), /would send #0 mesos\.scheduler\.Call scheduler-[0-9a-f-]+@127\.0\.0\.1:\d+ -> master@/);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.length, 0);

    const corrupt = messagesFromRawStream(new Uint8Array(readFileSync(CORRUPT)));
    assert.equal(corrupt.errors.length, 1);
    assert.equal(corrupt.errors[0]!.code, 'MW_HTTP_BAD_CHUNK_SIZE');
    assert.equal(corrupt.messages.length, 2);
    const ctx2 = cliContext();
    assert.equal(await runReplay(CORRUPT, { to, wait: 0, format: 'text' }, ctx2), 0);
    assert.match(ctx2.err(), /skipped bad bytes at offset \d+: MW_HTTP_BAD_CHUNK_SIZE/);
    await until(() => got.length === 2, 2000, 'two messages');
    assert.deepEqual(
      got.map((m) => m.to),
      ['master', 'master'],
    );
    await endpoint.close(200);
  });

  it('replays a pcap capture in order with its timing scaled by --speed', async () => {
    const { messages, diagnostics } = await messagesFromCaptureFile(PCAP);
    assert.deepEqual(diagnostics, []);
    // wire-protocol.md §1.6 Examples A, B, C, then B and C pipelined (fixtures/pcap/README.md).
    assert.deepEqual(
      messages.map((m) => m.name),
      [
        'mesos.internal.StatusUpdateAcknowledgementMessage',
        'mesos.internal.PingSlaveMessage',
        'mesos.internal.PongSlaveMessage',
        'mesos.internal.PingSlaveMessage',
        'mesos.internal.PongSlaveMessage',
      ],
    );
    assert.ok(messages.every((m) => m.time !== undefined && m.stream?.endsWith('>127.0.0.1:15050')));
    const span = messages.at(-1)!.time! - messages[0]!.time!;
    const { endpoint, got } = await receiver();
    const ctx = cliContext();
    const code = await runReplay(PCAP, { to: `127.0.0.1:${endpoint.address.port}`, speed: 100, wait: 0 }, ctx);
    assert.equal(code, 0, ctx.err());
    assert.deepEqual(
      got.map((m) => [m.name, m.to, toHexString(m.body)]),
      messages.map((m) => [m.name, m.to, toHexString(m.body)]),
    );
    // Timing: no message leaves before its capture offset divided by the speed (the replay measures with
    // performance.now() and waits again when a timer fired early); a busy machine may only make them later.
    const speed = 4;
    const sentAt: number[] = [];
    const before = performance.now();
    const report = await replayMessages(endpoint, messages, {
      target: { host: '127.0.0.1', port: endpoint.address.port },
      speed,
      settleMs: 0,
      onProgress: (event) => {
        if (event.kind === 'sent') sentAt.push(performance.now() - before);
      },
    });
    assert.equal(report.accepted, messages.length);
    messages.forEach((m, i) => {
      const due = ((m.time! - messages[0]!.time!) * 1000) / speed;
      assert.ok(sentAt[i]! >= due, `message ${i} sent at ${sentAt[i]} ms, due at ${due} ms`);
    });
    assert.ok(span > 0.02, 'the fixture spreads its messages over tens of ms');
  });

  it('replay reports a message whose receiver id cannot form a UPID as failed and goes on', async () => {
    const { endpoint, got } = await receiver();
    const base = { from: endpoint.upid('x'), name: 'test.N', body: new Uint8Array(0), offset: 0 };
    const events: string[] = [];
    const report = await replayMessages(
      endpoint,
      [
        { ...base, to: 'a@b' },
        { ...base, to: 'ok' },
      ],
      {
        target: { host: '127.0.0.1', port: endpoint.address.port },
        settleMs: 0,
        onProgress: (e) => events.push(e.kind === 'failed' ? `failed:${e.error.code}` : e.kind),
      },
    );
    assert.deepEqual([report.sent, report.accepted, report.failed], [1, 1, 1]);
    assert.deepEqual(events.slice(0, 2), ['failed:MW_UPID_BAD_HOST', 'sent']);
    await until(() => got.length >= 1, 2000, 'the valid message');
    assert.equal(got.filter((m) => m.name === 'test.N').length, 1);
  });

  it('the CLI binary prints the bound address first, answers a send and exits 0 after --count', async () => {
    const child = execFile(process.execPath, [BIN, 'listen', '--port', '0', '--count', '1'], { timeout: 20_000 });
    cleanups.push(() => child.kill());
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    // Generous: a cold CLI start-up on a loaded machine can take seconds.
    await until(() => out.includes('\n'), 15_000, 'listening line');
    const port = /listening on 127\.0\.0\.1:(\d+) /.exec(out)?.[1];
    assert.ok(port !== undefined, out);
    // The sender runs in-process (one CLI start-up is enough to check the binary).
    const sent = await send({ to: `master@127.0.0.1:${port}`, name: 'test.Hello', bodyHex: '68 69' });
    assert.equal(sent.code, 0);
    assert.match(sent.ctx.out(), /^202 /);
    const exit = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(exit, 0);
    assert.match(out, /message mesos-wire@127\.0\.0\.1:\d+ -> master {2}test\.Hello/);
  });
});
