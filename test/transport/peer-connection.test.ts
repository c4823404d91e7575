import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { isMesosWireError, type MesosWireError } from '../../src/errors.ts';
import { backoffDelay } from '../../src/transport/backoff.ts';
import { type PartsWriter, PeerConnection } from '../../src/transport/peer-connection.ts';
import { PeerPool } from '../../src/transport/peer-pool.ts';
import { SLAB_BYTES, slabsInUse } from '../../src/transport/slabs.ts';
import { busyConnections } from '../../src/transport/unanswered-budget.ts';
import { cat } from '../helpers/bytes.ts';
import {
  ACCEPTED,
  answerEveryFrame,
  closeOpened,
  frame,
  frameSequence,
  freePort,
  rawServer,
  statusLineReader,
  statusRunReader,
  track,
  until,
} from './sockets.ts';

afterEach(closeOpened);

function trackConnection(...args: ConstructorParameters<typeof PeerConnection>): PeerConnection {
  return track(new PeerConnection(...args));
}

function trackPool(...args: ConstructorParameters<typeof PeerPool>): PeerPool {
  return track(new PeerPool(...args));
}

const FAST_BACKOFF = { initialMs: 5, maxMs: 20, jitter: 0 };

describe('backoffDelay', () => {
  it('grows by the factor and stops at maxMs', () => {
    const half = () => 0.5;
    assert.deepEqual(
      [0, 1, 2, 3, 10, 60].map((n) => backoffDelay(n, { initialMs: 10, maxMs: 100, factor: 2, jitter: 0.2 }, half)),
      [10, 20, 40, 80, 100, 100],
    );
  });
  it('spreads by the jitter fraction and never exceeds maxMs', () => {
    const opts = { initialMs: 100, maxMs: 1000, jitter: 0.5 };
    assert.equal(
      backoffDelay(0, opts, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(0, opts, () => 0.999999),
      150,
    );
    assert.equal(
      backoffDelay(10, opts, () => 0.999999),
      1000,
    );
  });
});

describe('PeerConnection', () => {
  it('writes thousands of pipelined messages in order on one socket and matches every response', async () => {
    const server = await rawServer(answerEveryFrame(32));
    const connection = trackConnection({ host: '127.0.0.1', port: server.port }, { readResponses: statusLineReader });
    const count = 5000;
    const receipts: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) receipts.push(connection.send(frame(i), i % 100 === 0));
    const settled = await Promise.all(receipts);
    assert.equal((settled[100] as { status: number }).status, 202);
    await until(() => connection.stats.responses === count, 3000, 'responses');
    assert.deepEqual(
      frameSequence(server.received()),
      Array.from({ length: count }, (_, i) => i),
    );
    assert.equal(server.sockets.length, 1);
    assert.equal(connection.stats.messagesWritten, count);
    assert.deepEqual([...connection.stats.responsesByStatus], [[202, count]]);
    assert.deepEqual(await connection.close(), { unsent: 0, unanswered: 0 });
    await server.close();
  });

  it('settles runs of answers reported at once: plain messages counted off, awaited ones in order', async () => {
    for (const listen of [false, true]) {
      const server = await rawServer(answerEveryFrame(32));
      const connection = trackConnection({ host: '127.0.0.1', port: server.port }, { readResponses: statusRunReader });
      // With a 'response' listener every answer is an event, before the awaited message it answers is settled.
      let events = 0;
      if (listen) connection.on('response', () => events++);
      const count = 3000;
      const settledAt: number[] = [];
      const receipts: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) {
        const awaited = i % 7 === 3;
        const receipt = connection.send(frame(i), awaited);
        if (awaited) receipts.push(receipt.then((r) => settledAt.push(listen ? events : i) && r));
        else receipts.push(receipt);
      }
      const settled = await Promise.all(receipts);
      assert.equal((settled[3] as { status: number }).status, 202);
      await until(() => connection.stats.responses === count, 3000, 'responses');
      const awaitedIndexes = Array.from({ length: count }, (_, i) => i).filter((i) => i % 7 === 3);
      // Settled in order; with a listener, after exactly the events of the answers up to its own (one event each).
      assert.deepEqual(settledAt.length, awaitedIndexes.length);
      if (listen) {
        for (let k = 0; k < awaitedIndexes.length; k++) assert.ok(settledAt[k]! >= awaitedIndexes[k]! + 1);
        assert.equal(events, count);
      } else assert.deepEqual(settledAt, awaitedIndexes);
      assert.deepEqual([...connection.stats.responsesByStatus], [[202, count]]);
      assert.equal(connection.unanswered, 0);
      assert.deepEqual(await connection.close(), { unsent: 0, unanswered: 0 });
      await server.close();
    }
  });

  it('stops queueing when a slow peer does not read, then drains when it does (bounded memory)', async () => {
    const server = await rawServer((socket) => socket.pause());
    const size = 64 * 1024;
    const connection = trackConnection(
      { host: '127.0.0.1', port: server.port },
      { maxQueuedMessages: 100, maxQueuedBytes: 8 * size },
    );
    let queued = 0;
    let refused = 0;
    const filler = new Uint8Array(size).fill(0x2e);
    // Keep offering until the queue refuses several times in a row after the socket filled up.
    const deadline = Date.now() + 3000;
    while (refused < 20 && Date.now() < deadline) {
      if (connection.write(filler)) queued++;
      else {
        refused++;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    assert.ok(refused >= 20, 'write() returned false once the peer stopped reading');
    assert.ok(connection.queuedMessages <= 8, `queue stayed bounded (${connection.queuedMessages})`);
    await assert.rejects(connection.send(filler), (e: MesosWireError) => e.code === 'MW_TRANSPORT_QUEUE_FULL');
    const writable = new Promise((resolve) => connection.once('writable', resolve));
    for (const s of server.sockets) s.resume();
    await writable;
    await until(() => server.received().length === queued * size, 5000, 'all bytes at the peer');
    await connection.close();
    await server.close();
  });

  it('rejects queued messages with MW_TRANSPORT_CONNECT after the connect attempts run out', async () => {
    const port = await freePort();
    const connection = trackConnection({ host: '127.0.0.1', port }, { maxConnectAttempts: 3, backoff: FAST_BACKOFF });
    let disconnects = 0;
    connection.on('disconnect', () => disconnects++);
    const failed = new Promise((resolve) => connection.once('failed', resolve));
    await assert.rejects(connection.send(frame(1)), (e: MesosWireError) => {
      assert.equal(e.code, 'MW_TRANSPORT_CONNECT');
      assert.ok(isMesosWireError(e));
      return true;
    });
    await failed;
    assert.equal(disconnects, 3);
    assert.equal(connection.stats.connectFailures, 3);
    assert.equal(connection.state, 'idle');
    connection.destroy();
  });

  it('keeps messages queued while the peer is down and delivers them once it comes back (reconnect)', async () => {
    const port = await freePort();
    const connection = trackConnection(
      { host: '127.0.0.1', port },
      { maxConnectAttempts: 1000, backoff: FAST_BACKOFF, readResponses: statusLineReader },
    );
    const receipts = [connection.send(frame(1), true), connection.send(frame(2), true)];
    await until(() => connection.stats.connectFailures >= 2, 2000, 'failed connects');
    const server = await rawServer(answerEveryFrame(32), port);
    const answers = await Promise.all(receipts);
    assert.deepEqual(
      answers.map((a) => a.status),
      [202, 202],
    );
    assert.deepEqual(frameSequence(server.received()), [1, 2]);
    await connection.close();
    await server.close();
  });

  it('fails the awaited message a peer cut off mid-message, then reconnects for the rest', async () => {
    let connections = 0;
    const server = await rawServer((socket) => {
      connections++;
      if (connections === 1) {
        // First connection: read half a message, then reset.
        socket.once('data', () => socket.destroy());
      } else answerEveryFrame(32)(socket);
    });
    const connection = trackConnection(
      { host: '127.0.0.1', port: server.port },
      { backoff: FAST_BACKOFF, readResponses: statusLineReader },
    );
    const first = connection.send(frame(1), true);
    await assert.rejects(first, (e: MesosWireError) => e.code === 'MW_TRANSPORT_CLOSED');
    const second = await connection.send(frame(2), true);
    assert.equal(second.status, 202);
    assert.equal(connections, 2);
    assert.equal(connection.stats.disconnects, 1);
    await connection.close();
    await server.close();
  });

  it('close() waits for the responses, then reports nothing left; a mute peer leaves messages unanswered', async () => {
    const answering = await rawServer(answerEveryFrame(32));
    const a = trackConnection({ host: '127.0.0.1', port: answering.port }, { readResponses: statusLineReader });
    for (let i = 0; i < 300; i++) a.write(frame(i));
    assert.deepEqual(await a.close(2000), { unsent: 0, unanswered: 0 });
    assert.equal(a.stats.responses, 300);
    assert.equal(a.state, 'closed');
    assert.equal(a.write(frame(1)), false);
    await assert.rejects(a.send(frame(1)), (e: MesosWireError) => e.code === 'MW_TRANSPORT_CLOSED');

    const mute = await rawServer();
    const b = trackConnection({ host: '127.0.0.1', port: mute.port }, { readResponses: statusLineReader });
    for (let i = 0; i < 7; i++) b.write(frame(i));
    const started = Date.now();
    assert.deepEqual(await b.close(150), { unsent: 0, unanswered: 7 });
    assert.ok(Date.now() - started < 1500);
    await until(() => mute.received().length === 7 * 32, 1000, 'bytes at the mute peer');
    await answering.close();
    await mute.close();
  });

  describe('maxUnansweredBytes', () => {
    // 128 frames of 32 bytes; runs of at most 32 frames.
    const WINDOW = 4096;
    const RUN = 1024;

    /** A peer that answers only when told (`answer(n)`), counting the frames it received. */
    async function heldPeer(): Promise<{
      port: number;
      received: () => Buffer;
      frames: () => number;
      answer: (n: number) => void;
    }> {
      let socket: import('node:net').Socket | undefined;
      const server = await rawServer((s) => {
        socket = s;
      });
      return {
        port: server.port,
        received: () => server.received(),
        frames: () => Math.floor(server.received().length / 32),
        answer: (n) => socket!.write(Buffer.concat(Array.from({ length: n }, () => ACCEPTED))),
      };
    }

    /** A connection to `peer` whose first frame (frame 0) the peer has answered. */
    async function answeredOnce(
      peer: Awaited<ReturnType<typeof heldPeer>>,
      maxUnansweredBytes = WINDOW,
    ): Promise<PeerConnection> {
      const connection = trackConnection(
        { host: '127.0.0.1', port: peer.port },
        { readResponses: statusLineReader, maxUnansweredBytes, batchBytes: RUN },
      );
      const first = connection.send(frame(0), true);
      await until(() => peer.frames() === 1, 2000, 'the first frame');
      peer.answer(1);
      assert.equal((await first).status, 202);
      return connection;
    }

    /** Answers the frames after frame 0 as they arrive, from `answered` of them already answered up to `total`. */
    async function answerAsTheyCome(
      peer: Awaited<ReturnType<typeof heldPeer>>,
      answered: number,
      total: number,
    ): Promise<void> {
      while (answered < total) {
        const due = peer.frames() - 1 - answered;
        if (due > 0) peer.answer(due);
        answered += due;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }

    it('once the peer answers, holds back at a full window until half of it is answered', async () => {
      const peer = await heldPeer();
      const connection = await answeredOnce(peer);
      const receipts: Promise<unknown>[] = [];
      for (let i = 1; i <= 1000; i++) receipts.push(connection.send(frame(i)));
      // Held at the window: at most one run beyond it was handed over (checked before each run), and it stays there.
      await until(() => peer.frames() >= 1 + WINDOW / 32, 2000, 'a window of frames');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const held = peer.frames() - 1;
      assert.ok(held * 32 >= WINDOW && held * 32 < WINDOW + RUN, `${held} frames in flight`);
      assert.equal(connection.unanswered, held);
      assert.equal(connection.queuedMessages, 1000 - held);
      // A few answers do not reopen it: it waits until no more than half the window is unanswered.
      peer.answer(4);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(peer.frames() - 1, held);
      const half = WINDOW / 2 / 32;
      peer.answer(held - 4 - half);
      await until(() => peer.frames() - 1 > held, 2000, 'more frames');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const next = peer.frames() - 1;
      assert.ok((next - (held - half)) * 32 < WINDOW + RUN, `${next - (held - half)} frames in flight`);
      assert.ok((next - (held - half)) * 32 >= WINDOW, `${next - (held - half)} frames in flight`);
      // Answered as they come, all of them go, in order.
      await answerAsTheyCome(peer, held - half, 1000);
      await Promise.all(receipts);
      await until(() => connection.stats.responses === 1001, 2000, 'every answer');
      assert.equal(connection.unanswered, 0);
      assert.deepEqual(
        frameSequence(peer.received()),
        Array.from({ length: 1001 }, (_, i) => i),
      );
      assert.deepEqual(await connection.close(), { unsent: 0, unanswered: 0 });
    });

    it('does not hold back for a peer that never answered, nor with a window of 0', async () => {
      for (const [maxUnansweredBytes, answersFirst] of [
        [WINDOW, false],
        [0, true],
      ] as const) {
        const peer = await heldPeer();
        let connection: PeerConnection;
        if (answersFirst) connection = await answeredOnce(peer, maxUnansweredBytes);
        else {
          connection = trackConnection(
            { host: '127.0.0.1', port: peer.port },
            { readResponses: statusLineReader, maxUnansweredBytes, batchBytes: RUN },
          );
          connection.write(frame(0));
        }
        for (let i = 1; i <= 1000; i++) connection.write(frame(i));
        // Well within UNANSWERED_STALL_MS (1 s), after which even a held connection would let them go.
        await until(() => peer.frames() === 1001, 700, `every frame (window ${maxUnansweredBytes})`);
        assert.equal(connection.unanswered, answersFirst ? 1000 : 1001);
        await connection.close(50);
      }
    });

    it('stops holding back for a peer that answered once, then left a full window unanswered for a second', async () => {
      const peer = await heldPeer();
      const connection = await answeredOnce(peer);
      const started = Date.now();
      for (let i = 1; i <= 1000; i++) connection.write(frame(i));
      await until(() => peer.frames() >= 1 + WINDOW / 32, 2000, 'a window of frames');
      assert.ok(peer.frames() < 1001, 'held at first');
      await until(() => peer.frames() === 1001, 4000, 'every frame after the stall');
      assert.ok(Date.now() - started >= 900, `released after ${Date.now() - started} ms`);
      // Not bound any more, it no longer takes a share of the thread's window budget.
      assert.equal(busyConnections(), 0);
      assert.deepEqual(
        frameSequence(peer.received()),
        Array.from({ length: 1001 }, (_, i) => i),
      );
      assert.equal(connection.unanswered, 1000);
      await connection.close(50);
    });

    it('starts afresh on a new socket: a peer that answered before does not hold back the next one', async () => {
      let sockets = 0;
      let firstSocket: import('node:net').Socket | undefined;
      const server = await rawServer((socket) => {
        sockets++;
        // The first socket answers its first frame, then stops answering; the next ones never answer.
        if (sockets === 1) {
          firstSocket = socket;
          socket.once('data', () => socket.write(ACCEPTED));
        }
      });
      const connection = trackConnection(
        { host: '127.0.0.1', port: server.port },
        { readResponses: statusLineReader, maxUnansweredBytes: WINDOW, batchBytes: RUN, backoff: FAST_BACKOFF },
      );
      assert.equal((await connection.send(frame(0), true)).status, 202);
      for (let i = 1; i <= 1000; i++) connection.write(frame(i));
      await until(() => server.received().length >= 32 + WINDOW, 2000, 'a window of frames');
      const before = server.received().length;
      // The peer restarts: what was in flight is lost; the queue goes out on the next socket, all of it.
      firstSocket!.destroy();
      await until(() => sockets === 2, 2000, 'the reconnect');
      const rest = 1000 - (before - 32) / 32;
      // Well within UNANSWERED_STALL_MS (1 s), after which even a held connection would let them go.
      await until(() => server.received().length === before + rest * 32, 700, 'the rest of the queue');
      await connection.close(50);
    });

    it('shares the window among the busy connections of the thread, and gives it back when one goes', async () => {
      assert.equal(busyConnections(), 0, 'no busy connection left by the tests before');
      const [peerA, peerB] = [await heldPeer(), await heldPeer()];
      const [a, b] = [await answeredOnce(peerA), await answeredOnce(peerB)];
      for (let i = 1; i <= 1000; i++) {
        a.write(frame(i));
        b.write(frame(i));
      }
      // Both held: each at its window as it was when it filled it (the first to fill may have had all of it).
      await until(() => a.heldByWindow && b.heldByWindow, 2000, 'both windows full');
      assert.equal(busyConnections(), 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // A reopens once no more than half of its share (WINDOW / 2) is unanswered, and fills its share, not WINDOW.
      const heldA = peerA.frames() - 1;
      const keep = WINDOW / 4 / 32;
      peerA.answer(heldA - keep);
      await until(() => peerA.frames() - 1 > heldA, 2000, 'A reopened');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const inFlightA = (peerA.frames() - 1 - (heldA - keep)) * 32;
      assert.equal(a.unansweredBytesWritten, inFlightA);
      assert.ok(inFlightA >= WINDOW / 2 && inFlightA < WINDOW / 2 + RUN, `A: ${inFlightA} bytes in flight`);
      // B goes (its socket closes): A alone again gets the whole window at its next reopening.
      b.destroy();
      await until(() => busyConnections() === 1, 2000, 'B no longer busy');
      const answeredA = peerA.frames() - 1;
      peerA.answer(answeredA - (heldA - keep) - keep);
      await until(() => peerA.frames() - 1 > answeredA, 2000, 'A reopened again');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const alone = (peerA.frames() - 1 - (answeredA - keep)) * 32;
      assert.ok(alone >= WINDOW && alone < WINDOW + RUN, `A alone: ${alone} bytes in flight`);
      // Every frame answered: A is no longer busy either.
      await answerAsTheyCome(peerA, answeredA - keep, 1000);
      await until(() => a.unansweredBytesWritten === 0, 2000, 'every answer');
      assert.equal(busyConnections(), 0);
      await a.close(50);
    });
  });

  it('reports unsent messages when closing before the peer could be reached', async () => {
    const port = await freePort();
    const connection = trackConnection({ host: '127.0.0.1', port }, { backoff: { initialMs: 1000, maxMs: 1000 } });
    const rejected: string[] = [];
    for (let i = 0; i < 4; i++) connection.write(frame(i), (e) => rejected.push(e!.code));
    const report = await connection.close(100);
    assert.deepEqual(report, { unsent: 4, unanswered: 0 });
    assert.deepEqual(rejected, Array(4).fill('MW_TRANSPORT_CLOSED'));
  });

  it('counts responses as rejections when they are not 2xx', async () => {
    const server = await rawServer((socket) =>
      socket.on('data', () => socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')),
    );
    const connection = trackConnection({ host: '127.0.0.1', port: server.port }, { readResponses: statusLineReader });
    const receipt = await connection.send(frame(1), true);
    assert.equal(receipt.status, 404);
    assert.equal(connection.stats.rejections, 1);
    await connection.close();
    await server.close();
  });

  it('refuses at once a message larger than the whole queue; whenWritable resolves on a closed connection', async () => {
    const connection = trackConnection({ host: '127.0.0.1', port: 1 }, { maxQueuedBytes: 100 });
    assert.throws(() => connection.write(new Uint8Array(101)), { code: 'MW_TRANSPORT_QUEUE_FULL' });
    connection.destroy();
    await connection.whenWritable();
  });

  it('writes byte arrays and self-encoding messages, small and large, in order, exactly, with their callbacks', async () => {
    const server = await rawServer();
    // Small runs (batchBytes 100: 3 frames a run) and frames above 16 KiB (a run of their own) interleaved.
    const connection = trackConnection({ host: '127.0.0.1', port: server.port }, { batchBytes: 100 });
    // One reusable object for every self-encoding message, as an encoder hands out.
    const encoded = { byteLength: 0, source: new Uint8Array(0) } as {
      byteLength: number;
      source: Uint8Array;
      writeTo(target: Uint8Array, offset: number): void;
    };
    encoded.writeTo = (target, offset) => target.set(encoded.source, offset);
    const expected: Uint8Array[] = [];
    const settled: number[] = [];
    for (let i = 0; i < 200; i++) {
      const bytes = frame(i, i % 37 === 5 ? 32 * 700 : 32);
      expected.push(bytes);
      const callback = i % 3 === 0 ? () => settled.push(i) : undefined;
      if (i % 2 === 0) assert.equal(connection.write(bytes, callback), true);
      else {
        encoded.source = bytes;
        encoded.byteLength = bytes.length;
        assert.equal(connection.write(encoded, callback), true);
      }
      // Some messages go out alone (a flush between writes), most in runs.
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    const total = expected.reduce((n, b) => n + b.length, 0);
    await until(() => server.received().length === total, 3000, 'all bytes at the peer');
    assert.ok(Buffer.from(Buffer.concat(expected)).equals(server.received()), 'the bytes, in order');
    await until(() => settled.length === 67, 3000, 'callbacks');
    assert.deepEqual(
      settled,
      Array.from({ length: 67 }, (_, k) => k * 3),
    );
    assert.equal(connection.stats.messagesWritten, 200);
    assert.equal(connection.stats.bytesWritten, total);
    await connection.close();
    await server.close();
  });

  it('reuses written slab memory without changing bytes still queued or being written (slow peer)', async () => {
    // The peer reads in bursts, so that slabs are still in the socket while new messages are encoded.
    const server = await rawServer((socket) => {
      const timer = setInterval(() => (socket.isPaused() ? socket.resume() : socket.pause()), 3);
      socket.on('close', () => clearInterval(timer));
    });
    const connection = trackConnection(
      { host: '127.0.0.1', port: server.port },
      { maxQueuedMessages: 2000, socketBufferBytes: 64 * 1024 },
    );
    const encoded = {
      byteLength: 48,
      sequence: 0,
      writeTo(target: Uint8Array, offset: number) {
        target.set(frame(this.sequence, 48), offset);
      },
    };
    const count = 30_000;
    for (let i = 0; i < count; i++) {
      encoded.sequence = i;
      while (!connection.write(encoded)) await connection.whenWritable();
    }
    await until(() => server.received().length === count * 48, 10_000, 'all bytes at the peer');
    assert.deepEqual(
      frameSequence(server.received(), 48),
      Array.from({ length: count }, (_, i) => i),
    );
    assert.ok(Buffer.concat(Array.from({ length: count }, (_, i) => frame(i, 48))).equals(server.received()));
    await connection.close();
    await server.close();
  });

  it('keeps queued messages as their parts (no slab) and writes them exactly, in order, when the socket takes them', async () => {
    const server = await rawServer();
    // batchBytes 100: a few messages per run, so runs split by size, by writer, and whole bytes join either.
    const connection = trackConnection({ host: '127.0.0.1', port: server.port }, { batchBytes: 100 });
    // Two writers with their own framing: `<first>|<second>;` and `<second>/<first>;`.
    const bar: PartsWriter = {
      writeParts(first, second, target, offset) {
        target.set(first, offset);
        if (second === undefined) return offset + first.length;
        target.set([0x7c, ...second, 0x3b], offset + first.length);
        return offset + first.length + second.length + 2;
      },
    };
    const slash: PartsWriter = {
      writeParts(first, second, target, offset) {
        if (second === undefined) {
          target.set(first, offset);
          return offset + first.length;
        }
        target.set([...second, 0x2f, ...first, 0x3b], offset);
        return offset + first.length + second.length + 2;
      },
    };
    // One reusable object for every message, as an encoder hands out.
    const message = {
      byteLength: 0,
      first: cat(''),
      second: undefined as Uint8Array | undefined,
      writer: bar,
      writeTo(target: Uint8Array, offset: number): void {
        this.writer.writeParts(this.first, this.second, target, offset);
      },
    };
    const used = slabsInUse();
    const expected: string[] = [];
    const settled: number[] = [];
    for (let i = 0; i < 120; i++) {
      const callback = i % 7 === 0 ? () => settled.push(i) : undefined;
      if (i % 5 === 4) {
        const bytes = cat(`[bytes ${i}]`);
        expected.push(`[bytes ${i}]`);
        assert.equal(connection.write(bytes, callback), true);
        continue;
      }
      const writer = i % 23 < 11 ? bar : slash;
      const head = `h${i}`;
      const body = i % 9 === 0 ? undefined : 'b'.repeat(i % 13);
      message.first = cat(head);
      message.second = body === undefined ? undefined : cat(body);
      message.writer = writer;
      message.byteLength = head.length + (body === undefined ? 0 : body.length + 2);
      expected.push(body === undefined ? head : writer === bar ? `${head}|${body};` : `${body}/${head};`);
      assert.equal(connection.write(message, callback), true);
    }
    // Still connecting: every message is queued, and queued messages occupy no slab.
    assert.equal(connection.state, 'connecting');
    assert.equal(connection.queuedMessages, 120);
    assert.equal(slabsInUse(), used);
    const text = expected.join('');
    await until(() => server.received().length === text.length, 3000, 'all bytes at the peer');
    assert.equal(server.received().toString('latin1'), text);
    await until(() => settled.length === 18, 3000, 'callbacks');
    assert.deepEqual(
      settled,
      Array.from({ length: 18 }, (_, k) => k * 7),
    );
    assert.equal(connection.stats.bytesWritten, text.length);
    await connection.close();
    await server.close();
  });

  it('writes a large message given as parts as its pieces (its body not copied), in order with small ones', async () => {
    // The peer reads in bursts, so that the socket is often full while pieces are written.
    const server = await rawServer((socket) => {
      const timer = setInterval(() => (socket.isPaused() ? socket.resume() : socket.pause()), 2);
      socket.on('close', () => clearInterval(timer));
    });
    const connection = trackConnection({ host: '127.0.0.1', port: server.port }, { batchBytes: 4096 });
    // Framing `<first>|<second>;`; pieces() gives [first + '|', second, ';'] and notes which bodies it was given.
    const piecesOf: Uint8Array[] = [];
    const copiedBodies: number[] = [];
    const writer: PartsWriter = {
      writeParts(first, second, target, offset) {
        target.set(first, offset);
        if (second === undefined) return offset + first.length;
        if (second.length > 16 * 1024) copiedBodies.push(second.length);
        target[offset + first.length] = 0x7c;
        target.set(second, offset + first.length + 1);
        target[offset + first.length + 1 + second.length] = 0x3b;
        return offset + first.length + second.length + 2;
      },
      pieces(first, second) {
        piecesOf.push(second);
        return [cat(first, '|'), second, cat(';')];
      },
    };
    const message = {
      byteLength: 0,
      first: cat(''),
      second: undefined as Uint8Array | undefined,
      writer,
      writeTo(target: Uint8Array, offset: number): void {
        this.writer.writeParts(this.first, this.second, target, offset);
      },
    };
    const expected: Uint8Array[] = [];
    const large: Uint8Array[] = [];
    const settled: number[] = [];
    for (let i = 0; i < 60; i++) {
      const size = i % 4 === 1 ? 20_000 + i * 1000 : 50;
      const body = new Uint8Array(size).map((_, k) => (k * 7 + i) & 0xff);
      if (size > 16 * 1024) large.push(body);
      message.first = cat(`m${i}`);
      message.second = body;
      message.byteLength = message.first.length + size + 2;
      expected.push(cat(message.first, '|', body, ';'));
      const callback = i % 3 === 1 ? () => settled.push(i) : undefined;
      while (!connection.write(message, callback)) await connection.whenWritable();
    }
    const total = expected.reduce((n, b) => n + b.length, 0);
    await until(() => server.received().length === total, 5000, 'all bytes at the peer');
    assert.ok(Buffer.concat(expected).equals(server.received()), 'the bytes, in order');
    // Every large body was handed to pieces() as the caller's own array, and none was written into a batch.
    // (Compared by count and identity: a failing deepEqual of large arrays takes minutes to describe.)
    assert.equal(piecesOf.length, large.length);
    assert.ok(piecesOf.every((body, k) => body === large[k]));
    assert.deepEqual(copiedBodies, []);
    await until(() => settled.length === 20, 3000, 'callbacks');
    assert.deepEqual(
      settled,
      Array.from({ length: 20 }, (_, k) => 3 * k + 1),
    );
    assert.equal(connection.stats.messagesWritten, 60);
    assert.equal(connection.stats.bytesWritten, total);
    await connection.close();
    await server.close();
  });

  it('holds slabs only for what the socket buffers: a queue of messages behind a peer that does not read takes none', async () => {
    let peer: import('node:net').Socket | undefined;
    const server = await rawServer((socket) => {
      socket.pause();
      peer = socket;
    });
    const connection = trackConnection(
      { host: '127.0.0.1', port: server.port },
      { maxQueuedMessages: 1500, maxQueuedBytes: 64 * 1024 * 1024, socketBufferBytes: SLAB_BYTES },
    );
    // 1,500 messages of 8 KiB (12 MiB) are more than the loopback socket's kernel buffers take from a peer that
    // does not read (~4 MiB here): most stay queued. A queue copying at write() would hold them all in slabs (188).
    const bytes = new Uint8Array(8 * 1024).fill(0x61);
    const used = slabsInUse();
    for (let i = 0; i < 1500; i++) assert.equal(connection.write(bytes), true);
    await until(() => connection.state === 'open' && peer !== undefined, 3000, 'open');
    // Let the socket take what it will.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(connection.queuedMessages > 500, `${connection.queuedMessages} messages still queued`);
    // The socket buffer (one slab) and the slab being filled.
    assert.ok(slabsInUse() - used <= 2, `${slabsInUse() - used} slabs in use`);
    peer!.resume();
    await until(() => server.received().length === 1500 * bytes.length, 10_000, 'all bytes at the peer');
    assert.equal(connection.queuedMessages, 0);
    await connection.close();
    await server.close();
  });

  it('refuses awaitResponse without a response reader', () => {
    const connection = trackConnection({ host: '127.0.0.1', port: 1 });
    assert.throws(() => connection.write(frame(1), undefined, true), { code: 'MW_INVALID_ARGUMENT' });
    connection.destroy();
  });
});

describe('PeerPool', () => {
  it('shares one connection per address and reports exited to every linked peer when it closes', async () => {
    const server = await rawServer(answerEveryFrame(32));
    const pool = trackPool({ readResponses: statusLineReader, backoff: FAST_BACKOFF });
    const address = { host: '127.0.0.1', port: server.port };
    pool.link(`master@127.0.0.1:${server.port}`, address);
    pool.link(`other@127.0.0.1:${server.port}`, address);
    assert.equal(pool.connectionTo(address), pool.connectionTo({ ...address }));
    await until(() => server.sockets.length === 1, 2000, 'connection');
    const exited: string[] = [];
    pool.on('exited', (event) => exited.push(event.peer));
    server.sockets[0]!.destroy();
    await until(() => exited.length === 2, 2000, 'exited events');
    assert.deepEqual(exited.sort(), [`master@127.0.0.1:${server.port}`, `other@127.0.0.1:${server.port}`]);
    // Links are dropped after exited; a later loss reports nothing until linked again.
    await pool.connectionTo(address).send(frame(9), true);
    assert.equal(server.sockets.length, 2);
    server.sockets[1]!.destroy();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(exited.length, 2);
    await pool.close();
    await server.close();
  });

  it('reports exited for a link to an address nobody listens on', async () => {
    const port = await freePort();
    const pool = trackPool({ backoff: FAST_BACKOFF });
    const exited = new Promise((resolve) => pool.once('exited', resolve));
    pool.link(`master@127.0.0.1:${port}`, { host: '127.0.0.1', port });
    const event = (await exited) as { peer: string; address: string };
    assert.equal(event.address, `127.0.0.1:${port}`);
    pool.destroy();
  });

  it('temporary connections close once idle (after their answers); linked ones stay open', async () => {
    const server = await rawServer(answerEveryFrame(32));
    const pool = trackPool({ readResponses: statusLineReader, idleCloseMs: 0, backoff: FAST_BACKOFF });
    const address = { host: '127.0.0.1', port: server.port };
    const connection = pool.connectionTo(address);
    assert.equal((await connection.send(frame(1), true)).status, 202);
    await until(() => connection.state === 'idle', 2000, 'idle close');
    assert.equal(server.sockets[0]!.readableEnded, true, 'the client half-closed first');
    assert.equal((await connection.send(frame(2), true)).status, 202);
    assert.equal(server.sockets.length, 2);
    const exited: unknown[] = [];
    pool.on('exited', (e) => exited.push(e));
    pool.link(`master@127.0.0.1:${server.port}`, address);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(connection.state, 'open');
    assert.equal(exited.length, 0);
    assert.deepEqual(frameSequence(server.received()), [1, 2]);
    await pool.close();
    await server.close();
  });

  it('keeps at most maxIdleConnections idle connections: the oldest are dropped as new addresses come', () => {
    const pool = trackPool({ maxIdleConnections: 4 });
    const made: PeerConnection[] = [];
    for (let port = 1000; port < 1040; port++) {
      made.push(pool.connectionTo({ host: '127.0.0.1', port }));
      assert.ok(pool.peers.size <= 5, `pool of ${pool.peers.size} connections after ${made.length} addresses`);
    }
    // The newest are kept, the dropped ones read as closed (holders ask the pool again).
    assert.equal(made.at(-1)!.state, 'idle');
    assert.equal(pool.connectionTo({ host: '127.0.0.1', port: 1039 }), made.at(-1));
    assert.equal(made[0]!.state, 'closed');
    assert.equal(made.filter((c) => c.state !== 'closed').length, pool.peers.size);
    const again = pool.connectionTo({ host: '127.0.0.1', port: 1000 });
    assert.notEqual(again, made[0]);
    assert.equal(again.state, 'idle');
    assert.throws(
      () => new PeerPool({ maxIdleConnections: -1 }),
      (e: unknown) => isMesosWireError(e),
    );
  });

  it('never drops a linked connection, one with queued messages, or one holding a socket', async () => {
    const server = await rawServer(answerEveryFrame(32));
    const refused = await freePort();
    const pool = trackPool({
      maxIdleConnections: 2,
      readResponses: statusLineReader,
      // Long enough that the refused address stays queued ('waiting') through the test.
      backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 },
      maxConnectAttempts: 100,
    });
    const linked = { host: '127.0.0.1', port: server.port };
    pool.link(`master@127.0.0.1:${server.port}`, linked);
    const queued = pool.connectionTo({ host: '127.0.0.1', port: refused });
    assert.equal(queued.write(frame(1)), true);
    await until(() => queued.state === 'waiting', 2000, 'refused connection waiting');
    await until(() => pool.connectionTo(linked).state === 'open', 2000, 'linked connection open');
    // A temporary connection (no link) that holds its socket open.
    const other = await rawServer(answerEveryFrame(32));
    const temporary = pool.connectionTo({ host: '127.0.0.1', port: other.port });
    assert.equal((await temporary.send(frame(2), true)).status, 202);
    for (let port = 2000; port < 2050; port++) pool.connectionTo({ host: '127.0.0.1', port });
    assert.ok(pool.peers.size <= 3 + 3, `pool of ${pool.peers.size}`);
    assert.equal(pool.peers.get(`127.0.0.1:${server.port}`)?.state, 'open');
    assert.equal(pool.peers.get(`127.0.0.1:${other.port}`), temporary);
    assert.equal(temporary.state, 'open');
    assert.equal(pool.peers.get(`127.0.0.1:${refused}`), queued);
    assert.equal(queued.queuedMessages, 1);
    pool.destroy();
    await server.close();
    await other.close();
  });

  it('raw ACCEPTED bytes are what the stand-in reader parses', () => {
    const statuses: number[] = [];
    const reader = statusLineReader((s) => statuses.push(s));
    reader.write(ACCEPTED.subarray(0, 10));
    reader.write(ACCEPTED.subarray(10));
    assert.deepEqual(statuses, [202]);
  });
});
