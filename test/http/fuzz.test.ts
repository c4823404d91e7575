/**
 * Bounded fuzzing of HttpDecoder (a time budget per property): random and mutated input, cut at random places,
 * must only ever raise MesosWireErrors, give the same events whatever the cuts, and keep every limit.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import { HttpDecoder, type HttpDecoderOptions } from '../../src/http/decoder.ts';
import { EXAMPLE_A } from './examples.ts';
import { bytes, decodeLog } from './harness.ts';

const BUDGET_MS = 1000;

const SEEDS = [
  EXAMPLE_A,
  bytes(
    'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n0\r\nT: v\r\n\r\n',
  ),
  bytes(
    'GET /a?b HTTP/1.0\r\nHost: \r\nA: b\r\n c\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody\r\nHTTP/1.1 200 OK\r\n\r\nrest',
  ),
  bytes('POST / HTTP/1.1\nTransfer-Encoding: gzip, chunked\n\n00000a\nabcdefghij\n0\n\n'),
  // Hostile lengths: a 2^60-byte chunk, a 15-digit Content-Length (limits must refuse them before buffering).
  bytes('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\nx\r\n0\r\n\r\n'),
  bytes('HTTP/1.1 200 OK\r\nContent-Length: 999999999999999\r\n\r\nabc'),
];
const BYTES_OF_INTEREST = [
  0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x3b, 0x3d, 0x22, 0x2c, 0x30, 0x39, 0x46, 0x66, 0x00, 0x7f, 0x80, 0xff,
];

const input = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc
    .tuple(
      fc.constantFrom(...SEEDS),
      fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...BYTES_OF_INTEREST), fc.nat(255)), fc.nat(2)), {
        maxLength: 6,
      }),
    )
    .map(([seed, mutations]) => {
      const out = Array.from(seed);
      for (const [i, b, op] of mutations) {
        const at = i % (out.length + 1);
        if (op === 0) out.splice(at, 0, b);
        else if (at < out.length) {
          if (op === 1) out[at] = b;
          else out.splice(at, 1);
        }
      }
      return Uint8Array.from(out);
    }),
);

const options = fc.record({
  lenient: fc.record({ bareLf: fc.boolean(), obsFold: fc.boolean() }),
  maxHeaderBytes: fc.integer({ min: 1, max: 300 }),
  maxHeaderCount: fc.integer({ min: 0, max: 8 }),
  maxChunkSizeDigits: fc.integer({ min: 1, max: 16 }),
  maxBodyBytes: fc.integer({ min: 0, max: 100 }),
  streamBodies: fc.boolean(),
  expect: fc.constantFrom('any' as const, 'request' as const, 'response' as const),
});

/** Cut `data` at the given fractions. */
function cut(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * data.length)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) pieces.push(data.slice(from, p));
    from = Math.max(from, p);
  }
  pieces.push(data.slice(from));
  return pieces;
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

describe('HttpDecoder fuzz (time-bounded)', () => {
  it('only MesosWireErrors, whatever the input and options; limits hold for everything delivered', () => {
    fc.assert(
      fc.property(input, options, cuts, (data, opts: HttpDecoderOptions, cutAt) => {
        const o = opts as Required<HttpDecoderOptions>;
        const decoder = new HttpDecoder(
          {
            onHead(h) {
              assert.ok(h.headerBytes <= o.maxHeaderBytes);
              assert.ok(h.headers.length <= o.maxHeaderCount);
            },
            onChunk(_h, size) {
              if (!o.streamBodies) assert.ok(size <= o.maxBodyBytes);
            },
            onMessage(m) {
              assert.ok(m.body.length <= o.maxBodyBytes);
              assert.ok(m.trailers.length <= o.maxHeaderCount);
              assert.ok(m.end > m.offset);
            },
          },
          opts,
        );
        try {
          for (const piece of cut(data, cutAt)) decoder.write(piece);
          decoder.end();
        } catch (e) {
          if (!isMesosWireError(e) || !e.code.startsWith('MW_HTTP_')) throw e;
          assert.equal(typeof e.offset, 'number');
          assert.ok(e.offset! >= 0 && e.offset! <= data.length, `offset ${e.offset} within the input`);
          assert.equal(decoder.error, e);
        }
      }),
      { numRuns: 100_000, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false },
    );
  });

  it('the same events and errors whatever the cuts, also when resyncing', () => {
    fc.assert(
      fc.property(input, options, cuts, fc.boolean(), (data, opts: HttpDecoderOptions, cutAt, resync) => {
        const whole = decodeLog([data], opts, { resync });
        assert.deepEqual(decodeLog(cut(data, cutAt), opts, { resync }), whole);
      }),
      { numRuns: 100_000, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false },
    );
  });
});
