/**
 * LibprocessEndpoint with and without transientMessages (real sockets on 127.0.0.1:0). With it, every message arrives
 * whole however the stream is cut into reads, bodies larger than a read included; a message kept past its handler
 * throws MW_HTTP_INPUT_RELEASED when read; HTTP routes, answered later, keep their request bytes. Without it (the
 * default), messages kept past their handler read as sent, long after the reads they came in.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import type { MesosWireError } from '../../src/errors.ts';
import { encodeMessage, makeUpid, type Upid } from '../../src/libprocess/index.ts';
import type { InboundMessage } from '../../src/transport/endpoint.ts';
import { assertSameBytes, cat } from '../helpers/bytes.ts';
import { closeOpened, testEndpoint, track, until } from './sockets.ts';

afterEach(closeOpened);

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  track({ close: () => socket.destroy() });
  return socket;
}

/** Writes `bytes` in pieces of the given sizes (cycled), letting the event loop turn between them. */
async function writeInPieces(socket: net.Socket, bytes: Uint8Array, sizes: number[]): Promise<void> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    socket.write(bytes.subarray(at, at + size));
    at += size;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A body of `n` bytes that differs per message. */
function bodyOf(n: number, seed: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 7 + seed) & 0xff);
}

/**
 * Messages to `to` with bodies of the given sizes (alternating two senders), encoded twice over and written to a new
 * connection in pieces of many sizes, so that reads end inside heads, size lines and bodies.
 */
async function sendTwiceInPieces(
  to: Upid,
  port: number,
  sizes: number[],
): Promise<{ sent: { name: string; from: Upid; to: Upid; body: Uint8Array }[]; socket: net.Socket }> {
  const sent = sizes.map((n, i) => ({
    name: `mesos.internal.M${i}`,
    from: makeUpid(i % 2 === 0 ? 'master' : 'other', '127.0.0.1', 5050),
    to,
    body: bodyOf(n, i),
  }));
  const stream = cat(...sent.map((m) => encodeMessage(m)), ...sent.map((m) => encodeMessage(m)));
  const socket = await connect(port);
  await writeInPieces(socket, stream, [7, 65_536, 333, 1, 131_072, 4096]);
  return { sent, socket };
}

describe('LibprocessEndpoint transientMessages', () => {
  it('delivers every message whole, bodies of 1 byte to 200 KiB, cut into reads of many sizes', {
    timeout: 20_000,
  }, async () => {
    const e = await testEndpoint({ transientMessages: true });
    const got: { name: string; from: string; body: Uint8Array }[] = [];
    // The handler copies what it keeps, as the option asks.
    e.register('slave(1)', (m) => got.push({ name: m.name, from: m.fromText, body: m.body.slice() }));
    const { sent } = await sendTwiceInPieces(
      e.upid('slave(1)'),
      e.address.port,
      [1, 100, 336, 5000, 65_536, 70_000, 200_000, 17, 0, 42],
    );
    await until(() => got.length >= 2 * sent.length, 15_000, 'every message');
    assert.equal(got.length, 2 * sent.length);
    got.forEach((m, i) => {
      const want = sent[i % sent.length]!;
      assert.equal(m.name, want.name, `message ${i}`);
      assert.equal(m.from, `${want.from.id}@127.0.0.1:5050`, `message ${i}`);
      assertSameBytes(m.body, want.body, `message ${i}`);
    });
  });

  it('a message kept past its handler throws MW_HTTP_INPUT_RELEASED when its body is read, read before or not; copies stay', {
    timeout: 5000,
  }, async () => {
    const e = await testEndpoint({ transientMessages: true });
    const kept: InboundMessage[] = [];
    const copies: Uint8Array[] = [];
    const views: Uint8Array[] = [];
    e.register('slave(1)', (m) => {
      kept.push(m);
      // The first message's body is read during the handler, the second's only afterwards.
      if (copies.length === 0) views.push(m.body);
      copies.push(kept.length === 1 ? m.body.slice() : new Uint8Array(0));
    });
    const to = e.upid('slave(1)');
    const from = makeUpid('master', '127.0.0.1', 5050);
    const first = encodeMessage({ name: 'mesos.internal.A', from, to, body: bodyOf(100, 1) });
    const second = encodeMessage({ name: 'mesos.internal.B', from, to, body: bodyOf(100, 2) });
    const socket = await connect(e.address.port);
    socket.write(cat(first, second));
    await until(() => kept.length >= 2, 3000, 'both messages');
    await sleep(10);
    for (const m of kept) {
      assert.throws(
        () => m.body,
        (error: MesosWireError) => error.code === 'MW_HTTP_INPUT_RELEASED' && error.offset === m.offset,
      );
    }
    assert.deepEqual(copies[0], bodyOf(100, 1));
    // A view made during the handler reads as empty once the bytes are freed (documented).
    assert.equal(views[0]!.length, 0);
    // What the message read from its classification stays readable.
    assert.deepEqual(
      kept.map((m) => m.name),
      ['mesos.internal.A', 'mesos.internal.B'],
    );
  });

  it('a body collected over several reads is freed after its handler too, unless its answer waits', {
    timeout: 5000,
  }, async () => {
    const e = await testEndpoint({ transientMessages: true });
    const kept: InboundMessage[] = [];
    const views: Uint8Array[] = [];
    e.register('slave(1)', (m) => {
      kept.push(m);
      views.push(m.body);
    });
    // The second message's answer is given 30 ms later: its request (and body) stay readable meanwhile and after.
    e.answerHook = (m) => (m.name === 'mesos.internal.Later' ? 30 : 'send');
    const to = e.upid('slave(1)');
    const from = makeUpid('master', '127.0.0.1', 5050);
    const now = bodyOf(200_000, 4);
    const later = bodyOf(150_000, 5);
    const socket = await connect(e.address.port);
    const answers: Buffer[] = [];
    socket.on('data', (chunk) => answers.push(chunk));
    // One write: the receiver reads it in 64 KiB pieces, so each body is collected from several reads.
    socket.write(
      cat(
        encodeMessage({ name: 'mesos.internal.Now', from, to, body: now }),
        encodeMessage({ name: 'mesos.internal.Later', from, to, body: later }),
      ),
    );
    await until(() => Buffer.concat(answers).toString('latin1').split('202 Accepted').length === 3, 3000, 'answers');
    assert.equal(kept.length, 2);
    assert.throws(
      () => kept[0]!.body,
      (error: MesosWireError) => error.code === 'MW_HTTP_INPUT_RELEASED',
    );
    assert.equal(views[0]!.length, 0, 'a view made during the handler reads as empty once freed');
    // (Buffer.equals: a failing deepEqual of 150 KB arrays takes minutes to describe.)
    assert.ok(Buffer.from(kept[1]!.body).equals(later));
    assert.ok(Buffer.from(views[1]!).equals(later));
  });

  it('an HTTP route that reads its request later still reads it whole', { timeout: 5000 }, async () => {
    const e = await testEndpoint({ transientMessages: true });
    e.register('slave(1)', () => {});
    e.router.post('/echo', async (request) => {
      await sleep(20);
      return { status: 200, body: `${request.headers.length} ${Buffer.from(request.body).toString('latin1')}` };
    });
    const from = makeUpid('master', '127.0.0.1', 5050);
    const message = encodeMessage({ name: 'mesos.internal.A', from, to: e.upid('slave(1)'), body: bodyOf(50, 3) });
    const socket = await connect(e.address.port);
    const answers: Buffer[] = [];
    socket.on('data', (chunk) => answers.push(chunk));
    // The route's request shares its read with messages before and after it.
    socket.write(cat(message, 'POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello', message));
    await until(() => Buffer.concat(answers).toString('latin1').includes('2 hello'), 4000, 'the route answer');
    const text = Buffer.concat(answers).toString('latin1');
    assert.match(text, /HTTP\/1\.1 202 Accepted[\s\S]*HTTP\/1\.1 200 OK[\s\S]*2 hello[\s\S]*HTTP\/1\.1 202 Accepted/);
  });
});

describe('LibprocessEndpoint without transientMessages (the default)', () => {
  it('messages kept past their handler read as sent: bodies, heads parsed afresh, gzip requests', {
    timeout: 20_000,
  }, async () => {
    const e = await testEndpoint();
    const kept: InboundMessage[] = [];
    e.register('slave(1)', (m) => kept.push(m));
    const { sent, socket } = await sendTwiceInPieces(
      e.upid('slave(1)'),
      e.address.port,
      [1, 100, 336, 5000, 65_536, 70_000, 17, 0, 42],
    );
    // A gzip-encoded message: its delivered body is gunzipped, its request body stays the compressed bytes.
    const plain = bodyOf(300, 9);
    const zipped = new Uint8Array(gzipSync(plain));
    socket.write(
      cat(
        `POST /slave(1)/mesos.internal.Zipped HTTP/1.1\r\nLibprocess-From: master@127.0.0.1:5050\r\n`,
        `Content-Encoding: gzip\r\nContent-Length: ${zipped.length}\r\n\r\n`,
        zipped,
      ),
    );
    await until(() => kept.length >= 2 * sent.length + 1, 15_000, 'every message');
    assert.equal(kept.length, 2 * sent.length + 1);
    // Read only now, long after the reads they came in were freed.
    kept.slice(0, -1).forEach((m, i) => {
      const want = sent[i % sent.length]!;
      assert.equal(m.name, want.name, `message ${i}`);
      assertSameBytes(m.body, want.body, `message ${i}`);
      assert.equal(
        m.request.headers.find((h) => h.name === 'Libprocess-From')?.value,
        `${want.from.id}@127.0.0.1:5050`,
      );
    });
    const gzipped = kept.at(-1)!;
    assert.deepEqual(gzipped.body, plain);
    assert.deepEqual(gzipped.request.body, zipped);
  });
});
