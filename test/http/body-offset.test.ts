/**
 * Collected bodies and `bodyOffset`: a body in one written piece is kept as a range of that write and made into a
 * view only when `body` is read; a decoder without onBody must give the same bodies and body offsets as one with it
 * (where onBody's first piece offset is the reference), at every split of the input, for every framing.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpDecoder, type HttpDecoderOptions } from '../../src/http/decoder.ts';
import type { HttpMessage } from '../../src/http/types.ts';
import { chunksOf, everySplit, hex, toHexString } from '../helpers/bytes.ts';
import { decodeLog } from './harness.ts';

// POST / HTTP/1.1 | Content-Length: 3 | blank | "abc"   (head 38 bytes: body at 38)
const LENGTH_ABC = hex(`
  504f5354202f20485454502f312e310d0a
  436f6e74656e742d4c656e6774683a20330d0a
  0d0a 616263`);
// POST / HTTP/1.1 | Transfer-Encoding: chunked | blank (47 bytes) | "2\r\nde\r\n1\r\nf\r\n0\r\n\r\n"
const CHUNKED_DEF = hex(`
  504f5354202f20485454502f312e310d0a
  5472616e736665722d456e636f64696e673a206368756e6b65640d0a
  0d0a 320d0a64650d0a 310d0a660d0a 300d0a0d0a`);
// GET / HTTP/1.1 | blank: no body
const NO_BODY = hex('474554202f20485454502f312e310d0a0d0a');
// HTTP/1.1 200 OK | blank | "xyz" until the end of the stream (head 19 bytes)
const UNTIL_CLOSE = hex('485454502f312e3120323030204f4b0d0a0d0a 78797a');

/** Every message's end, body (hex) and bodyOffset, decoding with onMessage only (or with onBody as well). */
function bodies(pieces: Uint8Array[], options: HttpDecoderOptions, withOnBody: boolean): string[] {
  const out: string[] = [];
  let firstPiece: number | undefined;
  const decoder = new HttpDecoder(
    withOnBody
      ? {
          onBody: (_h, _piece, offset) => {
            firstPiece ??= offset;
          },
          onMessage: (m: HttpMessage) => {
            assert.equal(m.bodyOffset, firstPiece, 'bodyOffset is the first body piece offset');
            firstPiece = undefined;
            out.push(`${m.end} ${toHexString(m.body)} ${m.bodyOffset}`);
          },
        }
      : { onMessage: (m: HttpMessage) => out.push(`${m.end} ${toHexString(m.body)} ${m.bodyOffset}`) },
    options,
  );
  for (const piece of pieces) decoder.write(piece);
  decoder.end();
  return out;
}

function assertAtEverySplit(input: Uint8Array, options: HttpDecoderOptions, expected: string[]): void {
  for (const { label, pieces } of everySplit(input)) {
    assert.deepEqual(bodies(pieces, options, false), expected, `${label} without onBody`);
    assert.deepEqual(bodies(pieces, options, true), expected, `${label} with onBody`);
  }
}

describe('HttpDecoder collected bodies and bodyOffset', () => {
  it('Content-Length, chunked (two chunks), no body: literal bodies and offsets at every split', () => {
    const input = new Uint8Array([...LENGTH_ABC, ...CHUNKED_DEF, ...NO_BODY, ...LENGTH_ABC]);
    const a = LENGTH_ABC.length;
    const c = CHUNKED_DEF.length;
    assert.equal(a, 41);
    assert.equal(c, 65);
    assertAtEverySplit(input, { expect: 'request' }, [
      `41 616263 38`,
      // The first chunk's data starts after "2\r\n".
      `${a + c} 646566 ${a + 47 + 3}`,
      // No body: an empty body and no offset.
      `${a + c + NO_BODY.length}  undefined`,
      `${2 * a + c + NO_BODY.length} 616263 ${a + c + NO_BODY.length + 38}`,
    ]);
  });

  it('a response body until the end of the stream', () => {
    assertAtEverySplit(UNTIL_CLOSE, { expect: 'response' }, [`22 78797a 19`]);
  });

  it('streamBodies: no body collected, bodyOffset still given', () => {
    for (const { label, pieces } of everySplit(LENGTH_ABC)) {
      assert.deepEqual(bodies(pieces, { streamBodies: true }, true), ['41  38'], label);
    }
  });

  it('a body view is made when read, over the written bytes, and the same view on every read', () => {
    const seen: HttpMessage[] = [];
    const decoder = new HttpDecoder({ onMessage: (m) => seen.push(m) });
    const written = LENGTH_ABC.slice();
    decoder.write(written);
    const body = seen[0]!.body;
    assert.equal(body.buffer, written.buffer);
    assert.equal(body.byteOffset, 38);
    assert.equal(seen[0]!.body, body);
  });

  it('a one-chunk body after its size line, in one write: the events of the states one byte at a time', () => {
    const head = 'POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    const text = [
      `${head}3\r\nabc\r\n0\r\n\r\n`,
      // Not the one-chunk shape: a last chunk written `00`, a trailer, an extension, two chunks.
      `${head}1\r\nd\r\n00\r\n\r\n`,
      `${head}1\r\ne\r\n0\r\nX-T: 1\r\n\r\n`,
      `${head}1;x=y\r\nf\r\n0\r\n\r\n`,
      `${head}1\r\ng\r\n2\r\nhi\r\n0\r\n\r\n`,
      `${head}3\r\njkl\r\n0\r\n\r\n`,
    ].join('');
    const input = Uint8Array.from(text, (c) => c.charCodeAt(0));
    // One byte per write: the fast path never has the rest of a body in hand.
    const reference = decodeLog(chunksOf(input, 1), { expect: 'request' });
    const n = head.length;
    assert.equal(n, 48);
    assert.deepEqual(reference.filter((line) => !line.startsWith('  header')).slice(0, 4), [
      'off=0 request POST /p HTTP/1.1 framing=chunked headerBytes=48',
      'off=48 chunk size=3',
      'off=56 chunk size=0',
      'off=61 message body="abc" chunks=[3]',
    ]);
    assert.equal(reference.filter((line) => line.includes(' message ')).length, 6);
    assert.deepEqual(decodeLog([input], { expect: 'request' }), reference);
    for (const { label, pieces } of everySplit(input)) {
      assert.deepEqual(decodeLog(pieces, { expect: 'request' }), reference, label);
    }
    // Limits: a body over maxBodyBytes fails at its size line, with the fast path's shape as without.
    const over = Uint8Array.from(`${head}3\r\nabc\r\n0\r\n\r\n`, (c) => c.charCodeAt(0));
    const failed = decodeLog([over], { expect: 'request', maxBodyBytes: 2 });
    assert.equal(failed.at(-1), `off=${n} error MW_HTTP_BODY_TOO_LARGE`);
    assert.deepEqual(decodeLog(chunksOf(over, 1), { expect: 'request', maxBodyBytes: 2 }), failed);
  });
});
