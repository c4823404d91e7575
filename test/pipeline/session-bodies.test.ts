/**
 * Bodies through the capture session layer, whatever the segmentation: the head and the body pieces of a message
 * still in flight when its packet ends are copied then (DirectionSession.releaseViews), so every packet here comes
 * in one scratch buffer that the next packet overwrites, as a reused read buffer would be. Each head is whole in its
 * first segment (a head cut across segments is the HTTP decoder's to assemble, in its own buffer).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeMessage } from '../../src/libprocess/encoder.ts';
import { AutoCaptureReader } from '../../src/pcap/index.ts';
import { CaptureSessionDecoder } from '../../src/pipeline/decode-sessions.ts';
import { ACCEPTED } from '../helpers/pcap-fixtures.ts';
import { ethernetFrame, pcapFile, TcpConversation } from '../helpers/pcap-writer.ts';

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A libprocess message whose body is `size` bytes of a pattern (not a valid protobuf: typed as schema-less). */
function message(size: number, seed: number): { bytes: Uint8Array; body: Uint8Array; headLength: number } {
  const body = Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) & 0xff);
  const bytes = encodeMessage({
    // A name per message: heads that do not repeat are read from the input (repeated ones are kept by the decoder).
    name: `com.example.Blob${seed}`,
    from: 'slave(1)@10.0.0.2:5051',
    to: 'master@10.0.0.1:5050',
    body,
  });
  // The head ends at the blank line; its chunk-size line follows.
  const text = Buffer.from(bytes).toString('latin1');
  return { bytes, body, headLength: text.indexOf('\r\n\r\n') + 4 };
}

/** Cuts `bytes` at the given fractions of what follows its first `minFirst` bytes (which stay in the first piece). */
function cut(bytes: Uint8Array, fractions: number[], minFirst: number): Uint8Array[] {
  const points = [...new Set(fractions.map((f) => minFirst + Math.floor(f * (bytes.length - minFirst))))]
    .filter((p) => p > minFirst && p < bytes.length)
    .sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(bytes.subarray(from, p));
    from = p;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

describe('session bodies over any segmentation', () => {
  it('every body arrives whole and exact, with each packet overwritten after it was pushed (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            size: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 65, max: 9000 })),
            cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (specs) => {
          const c = new TcpConversation({ ip: '10.0.0.2', port: 41000 }, { ip: '10.0.0.1', port: 5050 });
          const frames: Uint8Array[] = [...c.handshake()];
          const expected: string[] = [];
          const names: string[] = [];
          specs.forEach((spec, i) => {
            const m = message(spec.size, i);
            // The name must come back too: the head was read after its packet was overwritten.
            names.push(`com.example.Blob${i}`);
            expected.push(hexOf(m.body));
            frames.push(...c.send('client', ...cut(m.bytes, spec.cuts, m.headLength)));
            frames.push(...c.send('server', ACCEPTED));
          });
          const capture = pcapFile({
            linkType: 1,
            records: frames.map((ip, i) => ({ seconds: 1, fraction: i, data: ethernetFrame(0x0800, ip) })),
          });
          const bodies: string[] = [];
          const seen: string[] = [];
          const decoder = new CaptureSessionDecoder(
            (e) => {
              if (e.type !== 'message') return;
              bodies.push(hexOf(e.body));
              seen.push(e.name);
            },
            { typed: false },
          );
          const reader = new AutoCaptureReader();
          const scratch = new Uint8Array(65536);
          reader.write(capture, (p) => {
            scratch.set(p.data);
            decoder.push({ ...p, data: scratch.subarray(0, p.data.length) });
            // What this packet left in the scratch buffer is overwritten by the next one; the rest is garbage.
            scratch.fill(0xee, p.data.length);
          });
          reader.end();
          decoder.end();
          assert.deepEqual(bodies, expected);
          assert.deepEqual(seen, names);
        },
      ),
      { numRuns: 200 },
    );
  });
});
