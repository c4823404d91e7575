// Backpressure from the consumer of inbound messages: LibprocessEndpoint.pauseInbound/resumeInbound, and `listen`
// behind an output that does not drain.
import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { OUTPUT_BACKLOG_LINES, runListen } from '../../src/cli/commands/listen.ts';
import type { CliContext } from '../../src/cli/context.ts';
import type { ExitCode } from '../../src/cli/exit-codes.ts';
import { closeOpened, testEndpoint, until } from './sockets.ts';

const NAME = 'mesos.internal.PingSlaveMessage';
const BODY = new Uint8Array([0x08, 0x01]);

afterEach(closeOpened);

/** Resolves once `read()` has stayed the same for `turns` checks 10 ms apart (the traffic has come to rest). */
async function settled(read: () => number, turns = 15): Promise<number> {
  let last = read();
  let same = 0;
  while (same < turns) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

describe('LibprocessEndpoint.pauseInbound', () => {
  it('reads nothing while paused (connections accepted meanwhile too), then delivers everything in order', async () => {
    const receiver = await testEndpoint();
    const seen: number[] = [];
    receiver.register('slave(1)', (m) => seen.push(m.body[1]!));
    receiver.pauseInbound();
    assert.equal(receiver.inboundPaused, true);
    const sender = await testEndpoint({ defaultId: 'master' });
    const to = receiver.upid('slave(1)');
    for (let i = 0; i < 200; i++) sender.write({ to, name: NAME, body: new Uint8Array([0x08, i % 2]) });
    const connection = sender.connectionTo(to);
    await until(() => connection.stats.messagesWritten === 200, 5000, 'all written');
    assert.equal(await settled(() => seen.length), 0);
    receiver.resumeInbound();
    await until(() => seen.length === 200, 5000, 'all delivered');
    assert.deepEqual(
      seen,
      Array.from({ length: 200 }, (_, i) => i % 2),
    );
  });

  it('paused by the handler mid-stream: delivery stops within what was read, the sender is held back, resume ends it', async () => {
    const receiver = await testEndpoint();
    let delivered = 0;
    receiver.register('slave(1)', () => {
      delivered++;
      if (delivered === 100) receiver.pauseInbound();
    });
    const sender = await testEndpoint({ defaultId: 'master' });
    const to = receiver.upid('slave(1)');
    const total = 100_000;
    let queued = 0;
    const sending = (async () => {
      while (queued < total) {
        if (sender.write({ to, name: NAME, body: BODY })) queued++;
        else await sender.whenWritable(to);
      }
    })();
    const stopped = await settled(() => delivered);
    // What the socket had handed over before the pause (one read of 64 KiB holds ~400 of these messages) at most.
    assert.ok(stopped >= 100 && stopped < 100 + 1000, `delivered ${stopped}`);
    assert.ok(queued < total, 'the sender is held back by the paused receiver');
    receiver.resumeInbound();
    await sending;
    await until(() => delivered === total, 20_000, 'all delivered after resume');
  });
});

describe('mesos-wire listen behind an output that does not drain', () => {
  it('stops reading from its peers at OUTPUT_BACKLOG_LINES lines, then prints every message once the output drains', async () => {
    // An output that takes nothing until opened: every write waits (highWaterMark 1 byte).
    let open = false;
    let written = '';
    const waiting: (() => void)[] = [];
    const stdout = new Writable({
      highWaterMark: 1,
      write(chunk, _encoding, callback) {
        written += String(chunk);
        if (open) callback();
        else waiting.push(callback);
      },
    });
    const codes: ExitCode[] = [];
    const ctx: CliContext = {
      stdin: Readable.from([]),
      stdout,
      stderr: new PassThrough(),
      env: { FORCE_COLOR: '0' },
      setExit: (code) => codes.push(code),
    };
    const total = 5000;
    const listening = runListen({ ip: '127.0.0.1', port: 0, format: 'ndjson', count: total }, ctx);
    await until(() => written.includes('\n'), 5000, 'listening line');
    const address = JSON.parse(written.split('\n')[0]!).address as string;
    const sender = await testEndpoint({ defaultId: 'master' });
    const to = `slave(1)@${address}`;
    let answered = 0;
    for (let i = 0; i < total; i++) {
      sender
        .send({ to, name: NAME, body: BODY }, { awaitResponse: true })
        .then(() => answered++)
        .catch(() => {});
    }
    // Answers go out as messages are read: they stop near the backlog limit (plus what one read held).
    const answeredWhileBlocked = await settled(() => answered);
    assert.ok(
      answeredWhileBlocked >= OUTPUT_BACKLOG_LINES && answeredWhileBlocked < OUTPUT_BACKLOG_LINES + 1500,
      `answered ${answeredWhileBlocked} while the output was blocked`,
    );
    open = true;
    for (const callback of waiting.splice(0)) callback();
    assert.equal(await listening, 0);
    await until(() => answered === total, 20_000, 'every message answered');
    const lines = written.trim().split('\n');
    assert.equal(lines.length, total + 1);
    assert.equal(JSON.parse(lines.at(-1)!).name, NAME);
  });
});
