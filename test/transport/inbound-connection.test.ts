import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { describe, it } from 'node:test';
import { isReleased } from '../../src/bytes/index.ts';
import { InboundConnection, type InboundDispatcher } from '../../src/transport/inbound-connection.ts';
import { cat } from '../helpers/bytes.ts';

/** A stand-in socket that keeps every written buffer (not a copy) and completes writes only when told. */
class HeldWritesSocket extends EventEmitter {
  readonly writes: { bytes: Uint8Array; copy: Uint8Array; done: (error?: Error | null) => void }[] = [];
  destroyed = false;
  writableEnded = false;
  writableLength = 0;
  setNoDelay(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  write(bytes: Uint8Array, done: (error?: Error | null) => void = () => {}): boolean {
    this.writes.push({ bytes, copy: bytes.slice(), done });
    return true;
  }
  end(): this {
    this.writableEnded = true;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
  /** Completes every write so far (the socket no longer reads those buffers). */
  completeWrites(): void {
    for (const write of this.writes.splice(0)) write.done(null);
  }
}

const request = (i: number) => `POST /p/${i} HTTP/1.1\r\nContent-Length: 0\r\n\r\n`;
const answer = (i: number) => `HTTP/1.1 202 Accepted\r\nX-Index: ${i}\r\nContent-Length: 0\r\n\r\n`;
const answersLength = (count: number) =>
  Array.from({ length: count }, (_, i) => answer(i).length).reduce((a, b) => a + b, 0);

describe('InboundConnection', () => {
  it('never rewrites answer bytes a socket write still holds; reuses them once written', async () => {
    const socket = new HeldWritesSocket();
    let index = 0;
    const dispatcher: InboundDispatcher = {
      dispatch: (_request, connection) => connection.respond(cat(answer(index++))),
      connectionFailed: () => assert.fail('no failure'),
      connectionClosed: () => {},
    };
    const connection = new InboundConnection(
      socket as unknown as net.Socket,
      { id: 1, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 },
      dispatcher,
    );
    let sent = 0;
    const received: string[] = [];
    const collect = () => {
      for (const write of socket.writes) {
        // The bytes the socket holds are still the ones it was given.
        assert.deepEqual(write.bytes, write.copy);
      }
      received.push(...socket.writes.map((w) => Buffer.from(w.copy).toString('latin1')));
      socket.completeWrites();
    };
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    for (let round = 0; round < 6; round++) {
      // Enough answers per round to fill several slabs while earlier writes are held. The answers of the reads of
      // one turn of the event loop leave together at its end: odd rounds read everything in one turn (the batch
      // outgrows its slab), even rounds one read per turn.
      for (let chunk = 0; chunk < 40; chunk++) {
        const requests = Array.from({ length: 50 }, () => request(sent++));
        socket.emit('data', Buffer.from(requests.join(''), 'latin1'));
        if (round % 2 === 0) {
          await turn();
          // Every answer so far has been handed to the socket by the end of the turn.
          const written = [...received, ...socket.writes.map((w) => Buffer.from(w.copy).toString('latin1'))];
          assert.equal(written.join('').length, answersLength(sent));
        }
      }
      await turn();
      collect();
    }
    assert.equal(connection.requests, sent);
    assert.equal(received.join(''), Array.from({ length: sent }, (_, i) => answer(i)).join(''));
  });

  it('answers repeated as the same array are counted and copied in bulk: the same bytes, in order, at every size', async () => {
    const socket = new HeldWritesSocket();
    const accepted = cat('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');
    const notFound = cat('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    // Larger than a quarter slab: written as it is, between the batches.
    const large = cat(`HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n${'x'.repeat(20000)}`);
    let index = 0;
    // Mostly the same 202 array, a 404 every 97th request, a large answer every 1000th.
    const answerOf = (i: number) => (i % 1000 === 999 ? large : i % 97 === 96 ? notFound : accepted);
    const dispatcher: InboundDispatcher = {
      dispatch: (_request, connection) => connection.respond(answerOf(index++)),
      connectionFailed: () => assert.fail('no failure'),
      connectionClosed: () => {},
    };
    const connection = new InboundConnection(
      socket as unknown as net.Socket,
      { id: 1, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 },
      dispatcher,
    );
    let sent = 0;
    const received: Buffer[] = [];
    let checked = 0;
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    for (let round = 0; round < 8; round++) {
      // Reads of 1 to 3000 requests: batches from a few answers to several slabs' worth.
      for (let read = 0; read < 6; read++) {
        const count = [1, 7, 300, 1500, 3000, 2][(round + read) % 6]!;
        socket.emit('data', Buffer.from(Array.from({ length: count }, () => request(sent++)).join(''), 'latin1'));
        if (read % 2 === 1) await turn();
      }
      await turn();
      received.push(...socket.writes.slice(checked).map((w) => Buffer.from(w.copy)));
      checked = socket.writes.length;
      // Every write not yet completed still holds the bytes it was given.
      for (const write of socket.writes) assert.deepEqual(write.bytes, write.copy, 'bytes held by a write unchanged');
      // Writes complete only every other round: new batches must not overwrite those still held.
      if (round % 2 === 1) {
        socket.completeWrites();
        checked = 0;
      }
    }
    assert.equal(connection.requests, sent);
    const expected = Buffer.concat(Array.from({ length: sent }, (_, i) => answerOf(i)));
    assert.equal(Buffer.concat(received).equals(expected), true);
  });

  for (const transientMessages of [false, true]) {
    it(`transientMessages ${transientMessages}: ${transientMessages ? "decodes and frees a turn's reads at once past 192 KiB" : "decodes a turn's reads at its end, however many"}`, async () => {
      const socket = new HeldWritesSocket();
      let dispatched = 0;
      const accepted = cat('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');
      const dispatcher: InboundDispatcher = {
        dispatch: (_request, connection) => {
          dispatched++;
          connection.respond(accepted);
        },
        connectionFailed: () => assert.fail('no failure'),
        connectionClosed: () => {},
      };
      new InboundConnection(
        socket as unknown as net.Socket,
        { id: 1, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 },
        dispatcher,
        { transientMessages },
      );
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      // 41-byte requests, 1599 per read: 65,559 bytes, so the third read of a turn passes 196,608 bytes (192 KiB).
      const perRead = 1599;
      const read = () => Buffer.from(request(0).repeat(perRead), 'latin1');
      assert.equal(read().length, 65_559);
      for (let round = 0; round < 2; round++) {
        const reads = [read(), read(), read(), read()];
        const before = dispatched;
        socket.emit('data', reads[0]);
        socket.emit('data', reads[1]);
        // Two reads: batched for the end of the turn.
        assert.equal(dispatched, before);
        socket.emit('data', reads[2]);
        // The third: with transientMessages all three are decoded now, each read freed at once.
        const early = transientMessages ? 3 * perRead : 0;
        assert.equal(dispatched, before + early);
        for (const done of reads.slice(0, 3)) assert.equal(isReleased(done.buffer), transientMessages);
        socket.emit('data', reads[3]);
        assert.equal(dispatched, before + early, 'a fourth read waits for the end of the turn');
        await turn();
        assert.equal(dispatched, before + 4 * perRead);
        assert.equal(isReleased(reads[3]!.buffer), transientMessages);
        // Every request answered, in order (over 512 pending answers, each decoded read's leave at once).
        const written = Buffer.concat(socket.writes.map((write) => write.copy));
        assert.equal(
          written.toString('latin1'),
          Buffer.from(accepted)
            .toString('latin1')
            .repeat(4 * perRead),
        );
        socket.completeWrites();
      }
    });
  }
});
