/**
 * Bounded fuzzing of the libprocess layer (a time budget per property): UPID parsing and request classification on
 * random and mutated text only ever raise the project's own errors, with offsets inside the input.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import { classifyRequest } from '../../src/libprocess/classify.ts';
import { formatUpid, parseUpid, parseUpidLikeMesos, tryParseUpid, upidEquals } from '../../src/libprocess/upid.ts';

const BUDGET_MS = 500;
const RUNS = { numRuns: 100_000, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false };

const SEEDS = [
  'master@10.0.0.1:5050',
  'slave(1)@10.0.0.2:5051',
  '@0.0.0.0:0',
  'id@[::1]:5050',
  'scheduler-1@[2001:db8::ff00:42:8329]:1',
  'id@h-1.example.com:65535',
  'libprocess/master@10.0.0.1:5050 extra',
];
const CHARS_OF_INTEREST = ['@', ':', '[', ']', '.', ' ', '\t', '0', '9', 'f', '-', '%', '/', '\u0000', '\u00ff', '€'];

/** A seed with a few characters set, inserted or deleted. */
const mutatedText = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(
      fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...CHARS_OF_INTEREST), fc.string({ maxLength: 1 })), fc.nat(2)),
      {
        maxLength: 4,
      },
    ),
  )
  .map(([seed, mutations]) => {
    const out = [...seed];
    for (const [i, c, op] of mutations) {
      const at = i % (out.length + 1);
      if (op === 0) out.splice(at, 0, c);
      else if (at < out.length) {
        if (op === 1) out[at] = c;
        else out.splice(at, 1);
      }
    }
    return out.join('');
  });
const text = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 }), mutatedText);

describe('libprocess fuzz (time-bounded)', () => {
  it('parseUpid: a UPID that formats and parses back to itself, or MW_UPID_* with an offset in the text', () => {
    fc.assert(
      fc.property(text, (t) => {
        let upid: ReturnType<typeof parseUpid> | undefined;
        try {
          upid = parseUpid(t);
        } catch (e) {
          if (!isMesosWireError(e) || !e.code.startsWith('MW_UPID_')) throw e;
          assert.ok(e.offset !== undefined && e.offset >= 0 && e.offset <= t.length, `offset ${e.offset}`);
        }
        assert.equal(tryParseUpid(t) === undefined, upid === undefined);
        if (upid !== undefined) assert.ok(upidEquals(parseUpid(formatUpid(upid)), upid));
        // The receiver-side parser never throws: a bad UPID becomes the empty one.
        parseUpidLikeMesos(t);
      }),
      RUNS,
    );
  });

  it('classifyRequest: every head gets a classification; rejections carry MW_LIBPROCESS_BAD_PATH', () => {
    const header = fc.record({
      name: fc.constantFrom('User-Agent', 'Libprocess-From', 'user-agent', 'LIBPROCESS-FROM', 'Host', 'X'),
      value: fc.oneof(
        text,
        text.map((t) => `libprocess/${t}`),
      ),
    });
    const target = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc
        .array(fc.constantFrom('/', 'a', '%', '2', '8', 'z', '+', '?', '#', '(', ')'), { maxLength: 20 })
        .map((cs) => cs.join('')),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('POST', 'GET', 'post'),
        target,
        fc.array(header, { maxLength: 4 }),
        (method, t, headers) => {
          const c = classifyRequest({ method, target: t, headers });
          if (c.kind === 'rejected') assert.equal(c.error.code, 'MW_LIBPROCESS_BAD_PATH');
          if (c.kind === 'message') assert.equal(method, 'POST');
        },
      ),
      RUNS,
    );
  });
});
