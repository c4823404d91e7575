import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import {
  AutoCaptureReader,
  type CapturedPacket,
  CaptureTimestamp,
  type TcpEvent,
  TcpReassembler,
} from '../../src/pcap/index.ts';
import { describePacket } from './harness.ts';

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures', 'pcap');
const FIXTURES = ['generated', 'real'].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .map((f) => ({ name: `${dir}/${f}`, bytes: new Uint8Array(readFileSync(join(ROOT, dir, f))) })),
);

/** Cuts `bytes` at the given (unsorted, possibly repeated) points. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const p of [...sorted, bytes.length]) {
    pieces.push(bytes.slice(from, p));
    from = p;
  }
  return pieces;
}

/**
 * Reads and reassembles; returns what happened. Throws only if something other than a
 * MesosWireError escapes, or if the reassembler's byte accounting breaks: per direction,
 * data and gap events must tile the stream with no overlap and no hole.
 */
function run(pieces: Uint8Array[]) {
  const packets: ReturnType<typeof describePacket>[] = [];
  const nextOffset = new Map<string, number>();
  const check = (e: TcpEvent) => {
    if (e.kind !== 'data' && e.kind !== 'gap') return;
    const key = `${e.connection} ${e.direction}`;
    const expected = nextOffset.get(key) ?? 0;
    assert.equal(e.streamOffset, expected, `${key}: events tile the stream`);
    nextOffset.set(key, expected + (e.kind === 'data' ? e.bytes.length : e.length));
    if (e.kind === 'data') assert.ok(e.bytes.length > 0);
    else assert.ok(e.length > 0);
  };
  const reassembler = new TcpReassembler(check, { maxBufferedBytes: 4096 });
  const reader = new AutoCaptureReader({ maxPacketBytes: 65536 });
  const onPacket = (p: CapturedPacket) => {
    packets.push(describePacket(p));
    reassembler.push(p);
  };
  let code: string | undefined;
  try {
    for (const piece of pieces) reader.write(piece, onPacket);
    reader.end();
  } catch (e) {
    if (!isMesosWireError(e)) throw e;
    code = e.code;
  }
  reassembler.end();
  return { packets, code };
}

describe('capture fuzzing (bounded)', () => {
  it('any split of any fixture gives the same packets as the whole file', () => {
    for (const fixture of FIXTURES) {
      const whole = run([fixture.bytes]);
      assert.equal(whole.code, undefined, fixture.name);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 12 }), (points) => {
          assert.deepEqual(run(cut(fixture.bytes, points)).packets, whole.packets);
        }),
        { numRuns: 15, seed: 4242 },
      );
    }
  });

  it('mutated fixtures fail only with MesosWireError and never break the stream accounting', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (fixture, edits, points) => {
          const bytes = fixture.bytes.slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          run(cut(bytes, points));
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });

  it('truncated fixtures deliver a prefix of the packets, then MW_PCAP_TRUNCATED or nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURES), fc.nat(), (fixture, at) => {
        const whole = run([fixture.bytes]).packets;
        const { packets, code } = run([fixture.bytes.subarray(0, at % fixture.bytes.length)]);
        assert.deepEqual(packets, whole.slice(0, packets.length));
        assert.ok(code === undefined || code === 'MW_PCAP_TRUNCATED', code);
      }),
      { numRuns: 100, seed: 11 },
    );
  });

  it('random bytes behind a capture magic fail only with MesosWireError', () => {
    const magics = ['d4c3b2a1', 'a1b2c3d4', '4d3cb2a1', '0a0d0d0a'].map((h) => Buffer.from(h, 'hex'));
    fc.assert(
      fc.property(
        fc.constantFrom(...magics),
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (magic, body, points) => {
          const bytes = new Uint8Array(magic.length + body.length);
          bytes.set(magic);
          bytes.set(body, magic.length);
          run(cut(bytes, points));
        },
      ),
      { numRuns: 400, seed: 3 },
    );
  });

  it('random frames of every link type never make the reassembler throw', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(0, 1, 101, 108, 113, 228, 229, 276, 147), fc.uint8Array({ maxLength: 120 })),
          { maxLength: 40 },
        ),
        (frames) => {
          const reassembler = new TcpReassembler(() => {});
          frames.forEach(([linkType, data], i) => {
            reassembler.push({
              index: i + 1,
              fileOffset: 0,
              section: 0,
              interface: 0,
              linkType,
              timestamp: new CaptureTimestamp(i, 0, 6),
              capturedLength: data.length,
              originalLength: data.length,
              data,
            });
          });
          reassembler.end();
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });
});
