/**
 * HttpDecoder.holds and releaseBytes: a reader that frees every written chunk the decoder no longer holds (what an
 * endpoint with transientMessages does) decodes the same messages as one that keeps them all, at every split; a
 * message read after its bytes were freed throws MW_HTTP_INPUT_RELEASED instead of reading freed memory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isReleased, releaseBytes } from '../../src/bytes/index.ts';
import type { MesosWireError } from '../../src/errors.ts';
import { HttpDecoder, type HttpMessage } from '../../src/http/index.ts';
import { cat, everySplit, toHexString } from '../helpers/bytes.ts';

const LIBPROCESS_HEAD =
  'POST /slave(1)/mesos.internal.StatusUpdateMessage HTTP/1.1\r\n' +
  'User-Agent: libprocess/master@10.0.0.1:5050\r\n' +
  'Libprocess-From: master@10.0.0.1:5050\r\n' +
  'Connection: Keep-Alive\r\n' +
  'Host: \r\n' +
  'Transfer-Encoding: chunked\r\n\r\n';

/** Literal bytes: a head seen three times (kept after the first), a Content-Length body, two chunks, no body. */
const STREAM = cat(
  LIBPROCESS_HEAD,
  '5\r\nhello\r\n0\r\n\r\n',
  LIBPROCESS_HEAD,
  '3\r\nabc\r\n0\r\n\r\n',
  LIBPROCESS_HEAD,
  'a\r\n0123456789\r\n0\r\n\r\n',
  'POST /master/mesos.internal.Ping HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:1\r\nContent-Length: 7\r\n\r\n',
  'payload',
  'POST /x/y HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n',
  '2\r\nAB\r\n3\r\nCDE\r\n0\r\n\r\n',
  'GET /health HTTP/1.1\r\nHost: h\r\n\r\n',
);

/** What a handler reads of a message while it is handed out. */
function record(message: HttpMessage): string {
  assert.equal(message.kind, 'request');
  const headers = message.headers.map((h) => `${h.name}=${h.value}`).join(';');
  return `${message.offset} ${message.method} ${message.target} ${headers} ${toHexString(message.body)}`;
}

/** Decodes `pieces` (each its own ArrayBuffer), freeing after every write each piece the decoder does not hold. */
function decodeReleasing(pieces: Uint8Array[]): { records: string[]; released: number } {
  const records: string[] = [];
  const decoder = new HttpDecoder({ onMessage: (m) => records.push(record(m)) }, { expect: 'request' });
  let unreleased: Uint8Array[] = [];
  let released = 0;
  for (const piece of pieces) {
    decoder.write(piece);
    unreleased.push(piece);
    unreleased = unreleased.filter((p) => {
      if (decoder.holds(p)) return true;
      if (releaseBytes(p)) released++;
      return false;
    });
  }
  decoder.end();
  return { records, released };
}

const expected = decodeReleasing([STREAM.slice()]).records;

describe('HttpDecoder.holds with releaseBytes', () => {
  it('decodes the same messages at every split, and every piece is freed by the end', () => {
    assert.equal(expected.length, 6);
    assert.match(expected[0]!, / POST \/slave\(1\)\/mesos\.internal\.StatusUpdateMessage .* 68656c6c6f$/);
    assert.match(expected[4]!, /4142434445$/);
    for (const { label, pieces } of everySplit(STREAM)) {
      const { records, released } = decodeReleasing(pieces);
      assert.deepEqual(records, expected, label);
      assert.equal(released, pieces.length, label);
    }
  });

  it('holds the piece where the message in progress begins its body or its head parsed afresh', () => {
    const decoder = new HttpDecoder({}, { expect: 'request' });
    const head = cat('POST /x/y HTTP/1.1\r\nContent-Length: 4\r\n\r\n', 'ab');
    const rest = cat('cd');
    decoder.write(head);
    assert.equal(decoder.holds(head), true);
    decoder.write(rest);
    assert.equal(decoder.holds(head), false);
    assert.equal(decoder.holds(rest), false);
  });

  it('random pieces of a random number of messages (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const pieces: Uint8Array[] = [];
        let at = 0;
        for (let i = 0; at < STREAM.length; i++) {
          const size = sizes[i % sizes.length]!;
          pieces.push(STREAM.slice(at, at + size));
          at += size;
        }
        assert.deepEqual(decodeReleasing(pieces).records, expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a message read after its bytes were released', () => {
  it('body and head throw MW_HTTP_INPUT_RELEASED at the message offset', () => {
    const kept: HttpMessage[] = [];
    const decoder = new HttpDecoder({ onMessage: (m) => kept.push(m) }, { expect: 'request' });
    const first = cat('GET /a HTTP/1.1\r\n\r\n');
    const second = cat('POST /x/y HTTP/1.1\r\nX-A: 1\r\nContent-Length: 3\r\n\r\nxyz');
    decoder.write(first);
    decoder.write(second);
    assert.equal(decoder.holds(second), false);
    assert.equal(releaseBytes(second), true);
    assert.equal(isReleased(second.buffer), true);
    const message = kept[1]!;
    for (const read of [() => message.body, () => message.headers]) {
      assert.throws(read, (e: MesosWireError) => e.code === 'MW_HTTP_INPUT_RELEASED' && e.offset === first.length);
    }
    // The first message's bytes were not released: it reads as before.
    assert.equal(kept[0]!.kind === 'request' && kept[0]!.target, '/a');
  });

  it('a body already read throws too once released (its view reads as empty)', () => {
    const kept: HttpMessage[] = [];
    const views: Uint8Array[] = [];
    const decoder = new HttpDecoder(
      {
        onMessage: (m) => {
          kept.push(m);
          views.push(m.body);
        },
      },
      { expect: 'request' },
    );
    const bytes = cat('POST /x/y HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz');
    decoder.write(bytes);
    assert.equal(toHexString(views[0]!), '78797a');
    assert.equal(releaseBytes(bytes), true);
    assert.equal(views[0]!.length, 0);
    assert.throws(
      () => kept[0]!.body,
      (e: MesosWireError) => e.code === 'MW_HTTP_INPUT_RELEASED' && e.offset === 0,
    );
  });

  it('releaseBytes leaves a view of part of a buffer alone', () => {
    const whole = cat('0123456789');
    const part = whole.subarray(2, 5);
    assert.equal(releaseBytes(part), false);
    assert.equal(isReleased(whole.buffer), false);
    assert.equal(toHexString(part), '323334');
    assert.equal(releaseBytes(new Uint8Array(0)), false);
  });
});
