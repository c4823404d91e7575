import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import { AutoCaptureReader } from '../../src/pcap/index.ts';
import { CaptureDecoder } from '../../src/pipeline/decode-capture.ts';
import { readCaptureFixtures } from '../pcap/harness.ts';

const FIXTURES = readCaptureFixtures('generated', 'real');

describe('CaptureDecoder fuzzing (bounded)', () => {
  it('mutated captures: only capture-format errors escape, and HTTP messages lie inside their stream', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (fixture, edits) => {
          const bytes = fixture.slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const decoder = new CaptureDecoder((e) => {
            if (e.kind === 'http-message') assert.ok(e.message.end > e.message.offset && e.message.offset >= 0);
          });
          const reader = new AutoCaptureReader();
          try {
            reader.write(bytes, (p) => decoder.push(p));
            reader.end();
          } catch (e) {
            assert.ok(isMesosWireError(e) && /^MW_(PCAP|PCAPNG|CAPTURE)_/.test(e.code), String(e));
          }
          decoder.end();
        },
      ),
      { numRuns: 400, seed: 17 },
    );
  });
});
