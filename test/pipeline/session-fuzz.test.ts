import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import { AutoCaptureReader } from '../../src/pcap/index.ts';
import { CaptureSessionDecoder } from '../../src/pipeline/decode-sessions.ts';
import { readCaptureFixtures } from '../pcap/harness.ts';

const FIXTURES = readCaptureFixtures('generated', 'real', 'sessions');

describe('CaptureSessionDecoder fuzzing (bounded)', () => {
  it('mutated captures: only capture-format errors escape; items are well formed; bodies typed or reported', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 4096 }),
        (fixture, edits, chunk) => {
          const bytes = fixture.slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const decoder = new CaptureSessionDecoder((e) => {
            if (e.type === 'message' || e.type === 'request' || e.type === 'response') {
              // A response that starts an event stream is shown before its end is known.
              const streaming = e.type === 'response' && e.stream !== undefined;
              assert.ok(e.offset >= 0 && (streaming || e.end > e.offset), `${e.type} at ${e.offset}..${e.end}`);
              assert.ok(streaming || e.typed !== undefined);
            }
            if (e.type === 'record') assert.equal(e.body.length, e.length);
          });
          const reader = new AutoCaptureReader();
          try {
            // Fed in pieces: packets that span writes go through the reader's carry.
            for (let at = 0; at < bytes.length; at += chunk) {
              reader.write(bytes.subarray(at, at + chunk), (p) => decoder.push(p));
            }
            reader.end();
          } catch (e) {
            assert.ok(isMesosWireError(e) && /^MW_(PCAP|PCAPNG|CAPTURE)_/.test(e.code), String(e));
          }
          decoder.end();
        },
      ),
      { numRuns: 300, seed: 23 },
    );
  });
});
