/**
 * A record that spans writes costs memory in proportion to the bytes received, not to its length line: `62914560\n`
 * followed by 2 bytes must not cost 60 MiB. Records still decode byte-exact however they are cut, and records inside
 * one write stay views of it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RecordIoDecoder } from '../../src/recordio/index.ts';
import { ascii, cat, chunksOf, everySplit, toHexString } from '../helpers/bytes.ts';

const MiB = 1024 * 1024;

/** Growth of process.memoryUsage().arrayBuffers (typed-array backing stores) across `action`. */
function arrayBufferGrowth(action: () => void): number {
  const before = process.memoryUsage().arrayBuffers;
  action();
  return process.memoryUsage().arrayBuffers - before;
}

/** Record bytes whose every byte differs from its neighbours', so a misplaced copy shows. */
function patterned(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >>> 8) + seed) & 0xff;
  return out;
}

function frame(...records: Uint8Array[]): Uint8Array {
  return cat(...records.flatMap((r) => [`${r.length}\n`, r]));
}

/** Feeds `pieces`, then end(); returns the records delivered. */
function decodeAll(pieces: Uint8Array[]): Uint8Array[] {
  const records: Uint8Array[] = [];
  const decoder = new RecordIoDecoder();
  for (const piece of pieces) decoder.write(piece, (r) => records.push(r));
  decoder.end();
  return records;
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

describe('RecordIoDecoder: record memory follows bytes received', () => {
  it('a 60 MiB length line followed by 2 bytes allocates under 1 MiB', () => {
    const decoder = new RecordIoDecoder();
    const pieces = [ascii(`${60 * MiB}\n`), ascii('a'), ascii('b'), ascii('cdefgh')];
    const growth = arrayBufferGrowth(() => {
      for (const piece of pieces) decoder.write(piece, () => assert.fail('no record yet'));
    });
    assert.ok(growth < MiB, `arrayBuffers grew by ${growth} bytes`);
    assert.equal(decoder.atRecordBoundary, false);
  });

  it('the same with the length line and the first bytes in one write, at maxRecordBytes', () => {
    const decoder = new RecordIoDecoder({ maxRecordBytes: 0x3000000 });
    const growth = arrayBufferGrowth(() => {
      decoder.write(ascii(`${0x3000000}\nab`), () => assert.fail('no record yet'));
      decoder.write(ascii('cd'), () => assert.fail('no record yet'));
    });
    assert.ok(growth < MiB, `arrayBuffers grew by ${growth} bytes`);
  });

  it('a 5 MiB record in 1 KiB pieces: exact bytes in a buffer of exactly its length', () => {
    const record = patterned(5 * MiB);
    const records = decodeAll(chunksOf(frame(ascii('first'), record, ascii('last')), 1024));
    assert.equal(records.length, 3);
    assert.equal(records[1]!.length, record.length);
    assert.equal(records[1]!.buffer.byteLength, record.length, 'no spare capacity left in the record');
    assert.ok(Buffer.from(records[1]!).equals(Buffer.from(record)));
    assert.equal(toHexString(records[2]!), toHexString(ascii('last')));
  });

  it('small records under every split', () => {
    const records = [patterned(17), new Uint8Array(0), patterned(5, 9), patterned(1, 3)];
    const expected = records.map(toHexString);
    for (const { label, pieces } of everySplit(frame(...records))) {
      assert.deepEqual(decodeAll(pieces).map(toHexString), expected, label);
    }
  });

  it('cut at every byte around each growth step (64, 128, 256 KiB) of a 300 KiB record', () => {
    const record = patterned(300 * 1024, 11);
    const input = frame(record);
    const dataStart = input.length - record.length;
    for (const step of [64 * 1024, 128 * 1024, 256 * 1024]) {
      for (let delta = -3; delta <= 3; delta++) {
        const [decoded] = decodeAll(cutAt(input, [dataStart + 5, dataStart + step + delta]));
        assert.ok(Buffer.from(decoded!).equals(Buffer.from(record)), `step ${step} delta ${delta}`);
        assert.equal(decoded!.buffer.byteLength, record.length);
      }
    }
  });

  it('property: records up to 400 KiB cut anywhere decode byte-exact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 * 1024 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (lengths, rawCuts) => {
          const records = lengths.map((n, i) => patterned(n, i));
          const input = frame(...records);
          const decoded = decodeAll(
            cutAt(
              input,
              rawCuts.map((c) => c % (input.length + 1)),
            ),
          );
          assert.equal(decoded.length, records.length);
          for (const [i, r] of decoded.entries()) assert.ok(Buffer.from(r).equals(Buffer.from(records[i]!)));
        },
      ),
      { numRuns: 60, seed: 20261127 },
    );
  });

  it('a record inside one write stays a view of it', () => {
    const record = patterned(100 * 1024);
    const input = frame(record);
    const [decoded] = decodeAll([input]);
    assert.equal(decoded!.buffer, input.buffer);
    assert.equal(decoded!.byteOffset, input.length - record.length);
  });
});
