import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { MesosWireError } from '../../src/errors.ts';
import { HttpDecoder } from '../../src/http/index.ts';
import { RepeatAwareResponseReader, readResponsesWithHttpDecoder } from '../../src/transport/response-reader.ts';
import { cat, everySplit } from '../helpers/bytes.ts';

// Literal answers as Mesos writes them (independent of the project's encoders).
const accepted = (second: number) =>
  `HTTP/1.1 202 Accepted\r\nDate: Fri, 27 Nov 2026 23:23:${String(second).padStart(2, '0')} GMT\r\nContent-Length: 0\r\n\r\n`;
const notFound = (second: number) =>
  `HTTP/1.1 404 Not Found\r\nDate: Fri, 27 Nov 2026 23:23:${String(second).padStart(2, '0')} GMT\r\nContent-Length: 0\r\n\r\n`;
const withBody = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
const continued = 'HTTP/1.1 100 Continue\r\n\r\n';

interface Outcome {
  statuses: number[];
  error: { code: string; offset: number | undefined } | undefined;
  /** Statuses reported after the error (must stay empty). */
  afterError: number;
}

/** The reference: one HttpDecoder fed every piece, as the reader did before its fast path. */
function decodeWithDecoder(pieces: Uint8Array[]): Outcome {
  const outcome: Outcome = { statuses: [], error: undefined, afterError: 0 };
  const decoder = new HttpDecoder(
    { onMessage: (m) => (m.kind === 'response' ? outcome.statuses.push(m.status) : undefined) },
    { expect: 'response', streamBodies: true },
  );
  try {
    for (const piece of pieces) decoder.write(piece);
    decoder.end();
  } catch (error) {
    const e = error as MesosWireError;
    if (e.code !== 'MW_HTTP_TRUNCATED') outcome.error = { code: e.code, offset: e.offset };
  }
  return outcome;
}

function decodeWithReader(pieces: Uint8Array[]): Outcome {
  const outcome: Outcome = { statuses: [], error: undefined, afterError: 0 };
  const reader = readResponsesWithHttpDecoder(
    (status, count) => {
      assert.ok(Number.isInteger(count) && count >= 1, `count ${count}`);
      if (outcome.error !== undefined) outcome.afterError++;
      for (let i = 0; i < count; i++) outcome.statuses.push(status);
    },
    (error) => {
      assert.equal(outcome.error, undefined, 'onError is called once');
      outcome.error = { code: error.code, offset: error.offset };
    },
  );
  for (const piece of pieces) reader.write(piece);
  reader.end();
  return outcome;
}

function assertSameAtEverySplit(stream: Uint8Array): void {
  for (const { label, pieces } of everySplit(stream)) {
    const expected = decodeWithDecoder(pieces.map((p) => p.slice()));
    const actual = decodeWithReader(pieces);
    assert.deepEqual(actual, expected, label);
  }
}

describe('readResponsesWithHttpDecoder (repeated-answer fast path)', () => {
  it('reports what the decoder reports for repeated 202s across Date changes, 404s and other answers', () => {
    const stream = cat(
      accepted(1),
      accepted(1),
      accepted(1),
      accepted(2),
      accepted(2),
      notFound(2),
      accepted(2),
      withBody,
      withBody,
      chunked,
      continued,
      accepted(3),
      accepted(3),
    );
    assert.equal(decodeWithDecoder([stream]).statuses.length, 13);
    assertSameAtEverySplit(stream);
  });

  it('takes the fast path for all but a few of a long run of equal answers (one Date change)', () => {
    const stream = cat(...Array.from({ length: 200 }, (_, i) => accepted(i < 100 ? 10 : 11)));
    const statuses: number[] = [];
    const calls: number[] = [];
    const reader = new RepeatAwareResponseReader(
      (status, count) => {
        calls.push(count);
        for (let i = 0; i < count; i++) statuses.push(status);
      },
      () => assert.fail('no error'),
    );
    reader.write(stream);
    reader.end();
    assert.equal(statuses.length, 200);
    assert.ok(reader.repeats >= 190, `${reader.repeats} repeats`);
    // Repeats in a row are reported as one count: a few calls, not one per answer.
    assert.ok(calls.length <= 10, `${calls.length} calls: ${calls}`);
  });

  it('runs of eight or more equal answers (compared a block at a time), broken by another answer or a Date change', () => {
    const run = (answer: string, count: number) => Array.from({ length: count }, () => answer);
    const stream = cat(
      ...run(accepted(1), 11),
      notFound(1),
      ...run(accepted(1), 9),
      // The fifth answer of a block differs in its last byte of the Date.
      ...run(accepted(1), 4),
      accepted(2),
      ...run(accepted(1), 12),
    );
    assert.equal(decodeWithDecoder([stream]).statuses.length, 38);
    assertSameAtEverySplit(stream);
    const reader = new RepeatAwareResponseReader(
      () => {},
      () => assert.fail('no error'),
    );
    reader.write(stream);
    assert.ok(reader.repeats >= 25, `${reader.repeats} repeats`);
  });

  it('hands a near repeat (same head, then different bytes) to the decoder with its held-back prefix', () => {
    // Same bytes as the previous answer up to the blank line's CR, then a header instead: not a repeat.
    const previous = accepted(5);
    const near = `${previous.slice(0, -2)}X-Extra: 1\r\n\r\n`;
    assertSameAtEverySplit(cat(previous, previous, near, previous));
  });

  it('reports the decoder error code and absolute offset after repeats, and nothing after it', () => {
    const bad = 'HTTP/1.1 202 Accepted\r\nContent-Length: x\r\n\r\n';
    const stream = cat(accepted(7), accepted(7), accepted(7), bad, accepted(7));
    const whole = decodeWithDecoder([stream]);
    assert.deepEqual(whole.statuses, [202, 202, 202]);
    assert.equal(whole.error?.code, 'MW_HTTP_BAD_CONTENT_LENGTH');
    assert.equal(whole.error?.offset, accepted(7).length * 3 + 'HTTP/1.1 202 Accepted\r\nContent-Length: '.length);
    assertSameAtEverySplit(stream);
  });

  it('reports a repeat cut off by the end of the stream as nothing (like the decoder)', () => {
    const stream = cat(accepted(8), accepted(8), accepted(8).slice(0, 30));
    assertSameAtEverySplit(stream);
    assert.deepEqual(decodeWithReader([stream]).statuses, [202, 202]);
  });

  it('reports a throwing response callback as a failed decoder, once, on the decoder and on the fast path', () => {
    const stream = cat(accepted(9), accepted(9), accepted(9));
    // The first answer is decoded, the second is a repeat.
    for (const throwAt of [1, 2]) {
      let calls = 0;
      const errors: MesosWireError[] = [];
      const reader = readResponsesWithHttpDecoder(
        () => {
          calls++;
          if (calls === throwAt) throw new Error('callback failed');
        },
        (error) => errors.push(error),
      );
      reader.write(stream);
      reader.write(stream);
      reader.end();
      assert.equal(calls, throwAt);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.code, 'MW_DECODER_FAILED');
      assert.equal((errors[0]!.cause as Error).message, 'callback failed');
    }
  });

  it('keeps its own copy of the answer it learnt (socket chunks are Buffers; their slice() is a view)', () => {
    const statuses: number[] = [];
    const reader = new RepeatAwareResponseReader(
      (status, count) => {
        for (let i = 0; i < count; i++) statuses.push(status);
      },
      () => assert.fail('no error'),
    );
    const chunk = Buffer.from(accepted(4), 'latin1');
    reader.write(chunk);
    chunk.fill(0);
    reader.write(Buffer.from(accepted(4), 'latin1'));
    assert.deepEqual(statuses, [202, 202]);
    assert.equal(reader.repeats, 1);
  });

  it('equals the decoder for any sequence of answers cut anywhere', () => {
    const answers = [accepted(1), accepted(2), notFound(2), withBody, chunked, continued, 'HTTP/1.1 2x0 OK\r\n\r\n'];
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: answers.length - 1 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (picks, cuts) => {
          const stream = cat(...picks.map((i) => answers[i]!));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const pieces: Uint8Array[] = [];
          let from = 0;
          for (const point of [...points, stream.length]) {
            pieces.push(stream.slice(from, point));
            from = point;
          }
          assert.deepEqual(decodeWithReader(pieces), decodeWithDecoder(pieces.map((p) => p.slice())));
        },
      ),
      { numRuns: 500 },
    );
  });
});
