/**
 * A collected body's memory follows the bytes received, not the length announced: a peer that announces 60 MiB and
 * sends 2 bytes must not cost 60 MiB. Bodies that span writes still decode byte-exact, and bodies in one write stay
 * views of the input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HttpDecoder } from '../../src/http/decoder.ts';
import { MAX_LISTED_CHUNKS } from '../../src/http/message.ts';
import { collectedBodyOf, type HttpMessage } from '../../src/http/types.ts';
import { ascii, cat, chunksOf, everySplit, toHexString } from '../helpers/bytes.ts';

const MiB = 1024 * 1024;

/** Growth of process.memoryUsage().arrayBuffers (typed-array backing stores) across `action`. */
function arrayBufferGrowth(action: () => void): number {
  const before = process.memoryUsage().arrayBuffers;
  action();
  return process.memoryUsage().arrayBuffers - before;
}

/** A body whose every byte differs from its neighbours', so a misplaced copy shows. */
function patterned(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >>> 8) + seed) & 0xff;
  return out;
}

/** Feeds `pieces` to a fresh decoder and returns the messages (after end()). */
function decodeAll(pieces: Uint8Array[]): HttpMessage[] {
  const messages: HttpMessage[] = [];
  const decoder = new HttpDecoder({ onMessage: (m) => messages.push(m) });
  for (const piece of pieces) decoder.write(piece);
  decoder.end();
  return messages;
}

/** Cuts `input` at the given positions (sorted, deduplicated, within 1..length-1). */
function cutAt(input: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < input.length))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const c of points) {
    pieces.push(input.slice(from, c));
    from = c;
  }
  pieces.push(input.slice(from));
  return pieces;
}

function contentLengthRequest(body: Uint8Array): Uint8Array {
  return cat(`POST /m HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n`, body);
}

/** A chunked request with the body cut into chunks of the given sizes (the rest in one last chunk). */
function chunkedRequest(body: Uint8Array, chunkSizes: number[]): Uint8Array {
  const parts: (Uint8Array | string)[] = ['POST /m HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'];
  let at = 0;
  for (const size of [...chunkSizes, body.length]) {
    const n = Math.min(size, body.length - at);
    if (n <= 0) continue;
    parts.push(`${n.toString(16)}\r\n`, body.subarray(at, at + n), '\r\n');
    at += n;
  }
  parts.push('0\r\n\r\n');
  return cat(...parts);
}

describe('HttpDecoder: body memory follows bytes received', () => {
  it('Content-Length: 60 MiB followed by 2 bytes (in separate writes) allocates under 1 MiB', () => {
    const head = ascii(`POST /m HTTP/1.1\r\nContent-Length: ${60 * MiB}\r\n\r\n`);
    const decoder = new HttpDecoder({});
    const pieces = [head, ascii('a'), ascii('b'), ascii('cdefgh')];
    const growth = arrayBufferGrowth(() => {
      for (const piece of pieces) decoder.write(piece);
    });
    assert.ok(growth < MiB, `arrayBuffers grew by ${growth} bytes`);
    assert.equal(decoder.offset, head.length + 8);
  });

  it('a chunk of size 0x3000000 followed by a few bytes allocates under 1 MiB', () => {
    const head = ascii('POST /m HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3000000\r\n');
    const decoder = new HttpDecoder({});
    const pieces = [head, ascii('ab'), ascii('c'), ascii('defg')];
    const growth = arrayBufferGrowth(() => {
      for (const piece of pieces) decoder.write(piece);
    });
    assert.ok(growth < MiB, `arrayBuffers grew by ${growth} bytes`);
  });

  it('a body that runs until close and comes a few bytes at a time allocates under 1 MiB', () => {
    const decoder = new HttpDecoder({});
    decoder.write(ascii('HTTP/1.1 200 OK\r\n\r\n'));
    const growth = arrayBufferGrowth(() => {
      for (let i = 0; i < 100; i++) decoder.write(ascii('xyz'));
    });
    assert.ok(growth < MiB, `arrayBuffers grew by ${growth} bytes`);
  });

  it('a 5 MiB Content-Length body in 1 KiB pieces: exact bytes, a buffer of exactly the announced length', () => {
    const body = patterned(5 * MiB);
    const [message] = decodeAll(chunksOf(contentLengthRequest(body), 1024));
    assert.equal(message!.body.length, body.length);
    assert.equal(message!.body.buffer.byteLength, body.length, 'no spare capacity left in the final body');
    assert.ok(Buffer.from(message!.body).equals(Buffer.from(body)));
  });

  it('a 5 MiB chunked body (chunks of 0x12345 bytes) in 1 KiB pieces: exact bytes and chunk sizes', () => {
    const body = patterned(5 * MiB, 7);
    const sizes = Array.from({ length: Math.ceil(body.length / 0x12345) }, () => 0x12345);
    const [message] = decodeAll(chunksOf(chunkedRequest(body, sizes), 1024));
    assert.equal(message!.body.length, body.length);
    assert.ok(Buffer.from(message!.body).equals(Buffer.from(body)));
    assert.equal(message!.chunks.length, sizes.length);
    assert.equal(
      message!.chunks.reduce((a, b) => a + b, 0),
      body.length,
    );
  });

  it('a 5 MiB body running until close, in 1 KiB pieces', () => {
    const body = patterned(5 * MiB, 3);
    const [message] = decodeAll(chunksOf(cat('HTTP/1.1 200 OK\r\n\r\n', body), 1024));
    assert.ok(Buffer.from(message!.body).equals(Buffer.from(body)));
  });

  it('small bodies under every split: Content-Length, several chunks, until close', () => {
    const body = patterned(23);
    const inputs = [
      { input: contentLengthRequest(body), chunks: [] as number[] },
      { input: chunkedRequest(body, [1, 5, 9]), chunks: [1, 5, 9, 8] },
    ];
    for (const { input, chunks } of inputs) {
      for (const { label, pieces } of everySplit(input)) {
        const messages = decodeAll(pieces);
        assert.equal(messages.length, 1, label);
        assert.equal(toHexString(messages[0]!.body), toHexString(body), label);
        assert.deepEqual(messages[0]!.chunks, chunks, label);
      }
    }
    for (const { label, pieces } of everySplit(cat('HTTP/1.1 200 OK\r\n\r\n', body))) {
      assert.equal(toHexString(decodeAll(pieces)[0]!.body), toHexString(body), label);
    }
  });

  it('cut at every byte around each growth step (64, 128, 256 KiB) of a 300 KiB body', () => {
    const body = patterned(300 * 1024, 11);
    const input = contentLengthRequest(body);
    const bodyStart = input.length - body.length;
    for (const step of [64 * 1024, 128 * 1024, 256 * 1024]) {
      for (let delta = -3; delta <= 3; delta++) {
        // A first piece ending a little into the body, then a cut at the growth step, then the rest.
        const pieces = cutAt(input, [bodyStart + 5, bodyStart + step + delta]);
        const [message] = decodeAll(pieces);
        assert.ok(Buffer.from(message!.body).equals(Buffer.from(body)), `step ${step} delta ${delta}`);
        assert.equal(message!.body.buffer.byteLength, body.length);
      }
    }
  });

  it('property: bodies up to 400 KiB cut anywhere decode byte-exact (Content-Length and chunked)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 * 1024 }),
        fc.array(fc.integer({ min: 1, max: 200 * 1024 }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (length, chunkSizes, rawCuts, chunked) => {
          const body = patterned(length, length);
          const input = chunked ? chunkedRequest(body, chunkSizes) : contentLengthRequest(body);
          const pieces = cutAt(
            input,
            rawCuts.map((c) => c % (input.length + 1)),
          );
          const messages = decodeAll(pieces);
          assert.equal(messages.length, 1);
          assert.ok(Buffer.from(messages[0]!.body).equals(Buffer.from(body)));
        },
      ),
      { numRuns: 60, seed: 20261127 },
    );
  });

  it('a large one-chunk body (a libprocess message) over 64 KiB writes ends in one array of exactly its size', () => {
    for (const length of [70_000, 100_000, 200_000, 1024 * 1024 + 3]) {
      const body = patterned(length, 5);
      const input = chunkedRequest(body, []);
      for (const offset of [0, 17, 65_000]) {
        // The message starts `offset` bytes into the first 64 KiB write (after other messages, in a real stream).
        const pieces = chunksOf(cat(new Uint8Array(offset), input), 64 * 1024);
        pieces[0] = pieces[0]!.subarray(offset);
        const [message] = decodeAll(pieces);
        assert.ok(Buffer.from(message!.body).equals(Buffer.from(body)), `${length} at ${offset}`);
        assert.equal(message!.body.byteOffset, 0, `${length} at ${offset}`);
        assert.equal(message!.body.buffer.byteLength, length, `${length} at ${offset}: no spare capacity`);
        // The decoder's own array, which a reader done with the message may free.
        assert.equal(collectedBodyOf(message!), message!.body);
      }
    }
  });

  it('the array takes an announced size only up to twice the bytes in hand', () => {
    // A chunk announcing 1 MiB, 300 KiB of it received in 1 KiB writes: arrays of 64, 128, 256 and 512 KiB at most.
    const head = ascii('POST /m HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n');
    const decoder = new HttpDecoder({});
    decoder.write(head);
    const pieces = Array.from({ length: 300 }, (_, i) => patterned(1024, i));
    const growth = arrayBufferGrowth(() => {
      for (const piece of pieces) decoder.write(piece);
    });
    assert.ok(growth <= (64 + 128 + 256 + 512) * 1024, `arrayBuffers grew by ${growth} bytes`);
  });

  it('collectedBodyOf: a body in one write (a view of it) or one set by a reader is not the decoder own', () => {
    const body = patterned(1000);
    const input = contentLengthRequest(body);
    const [whole] = decodeAll([input]);
    assert.equal(collectedBodyOf(whole!), undefined);
    const [split] = decodeAll([input.slice(0, input.length - 10), input.slice(input.length - 10)]);
    assert.ok(collectedBodyOf(split!) !== undefined);
    (split as { body: Uint8Array }).body = new Uint8Array(3);
    assert.equal(collectedBodyOf(split!), undefined);
    assert.equal(collectedBodyOf({ body }), undefined);
  });

  it('a body inside one write stays a view of it, after a head that spanned writes', () => {
    const body = patterned(100 * 1024);
    const input = contentLengthRequest(body);
    const bodyStart = input.length - body.length;
    const rest = input.slice(10);
    const [message] = decodeAll([input.slice(0, 10), rest]);
    assert.equal(message!.body.buffer, rest.buffer);
    assert.equal(message!.body.byteOffset, bodyStart - 10);
    assert.equal(message!.body.length, body.length);
  });
});

describe('chunk sizes of a message with very many chunks', () => {
  /** A chunked request with `count` chunks of one byte each ('a', 'b', ... cycling), literal framing. */
  function manyChunks(count: number): { input: Uint8Array; body: string } {
    let text = 'POST /a/b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    let body = '';
    for (let i = 0; i < count; i++) {
      const byte = String.fromCharCode(0x61 + (i % 26));
      text += `1\r\n${byte}\r\n`;
      body += byte;
    }
    return { input: ascii(`${text}0\r\n\r\n`), body };
  }

  it('lists the first MAX_LISTED_CHUNKS sizes and counts them all; the body is whole', () => {
    const { input, body } = manyChunks(MAX_LISTED_CHUNKS + 3);
    // Whole, and in writes of 7 bytes (chunk lines and data split everywhere).
    for (const pieces of [[input], chunksOf(input, 7)]) {
      const [message] = decodeAll(pieces);
      assert.equal(message!.chunks.length, MAX_LISTED_CHUNKS);
      assert.ok(message!.chunks.every((size) => size === 1));
      assert.equal(message!.chunkCount, MAX_LISTED_CHUNKS + 3);
      assert.equal(new TextDecoder().decode(message!.body), body);
    }
  });

  it('counts exactly at and below the limit (every size listed)', () => {
    for (const count of [1, 2, MAX_LISTED_CHUNKS]) {
      const [message] = decodeAll([manyChunks(count).input]);
      assert.equal(message!.chunks.length, count);
      assert.equal(message!.chunkCount, count);
    }
  });

  it('an endless stream (streamBodies) keeps no list beyond the limit, and reports every chunk to onChunk', () => {
    const { input } = manyChunks(MAX_LISTED_CHUNKS * 3);
    let onChunks = 0;
    const messages: HttpMessage[] = [];
    const decoder = new HttpDecoder(
      { onChunk: () => onChunks++, onMessage: (m) => messages.push(m) },
      { streamBodies: true },
    );
    decoder.write(input);
    decoder.end();
    assert.equal(onChunks, MAX_LISTED_CHUNKS * 3 + 1); // the last chunk (size 0) too
    assert.equal(messages[0]!.chunks.length, MAX_LISTED_CHUNKS);
    assert.equal(messages[0]!.chunkCount, MAX_LISTED_CHUNKS * 3);
  });
});
