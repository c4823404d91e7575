import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { describe, it } from 'node:test';
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
});
