import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import {
  encodeRecord,
  encodeRecordHeader,
  iterateRecords,
  peekRecordLength,
  RecordIoDecoder,
  RecordIoEncoder,
} from '../../src/recordio/index.ts';
import { ascii, cat, hex, toHexString } from '../helpers/bytes.ts';

describe('encodeRecord / RecordIoEncoder against literal bytes', () => {
  it('stout Encode: hello!, "", " ", "13 characters"', () => {
    const encoder = new RecordIoEncoder();
    const out = encoder.encodeAll(['hello!', '', ' ', '13 characters']);
    assert.equal(toHexString(out), '360a68656c6c6f21300a310a2031330a31332063686172616374657273');
    assert.equal(encoder.bytesWritten, out.length);
  });
  it('binary bytes and UTF-8 strings', () => {
    assert.equal(toHexString(encodeRecord(hex('0808'))), '320a0808');
    assert.equal(toHexString(encodeRecord('é')), '320ac3a9');
    assert.equal(toHexString(encodeRecordHeader(1234)), '313233340a');
  });
});

describe('peekRecordLength', () => {
  it('needs more input until the LF', () => {
    assert.equal(peekRecordLength(ascii('')), undefined);
    assert.equal(peekRecordLength(ascii('12')), undefined);
  });
  it('reports length, data offset and completeness without consuming', () => {
    const bytes = ascii('5\nhel');
    assert.deepEqual(peekRecordLength(bytes), { length: 5, dataOffset: 2, complete: false });
    assert.deepEqual(peekRecordLength(ascii('5\nhello7')), { length: 5, dataOffset: 2, complete: true });
    assert.deepEqual(peekRecordLength(ascii('0\n')), { length: 0, dataOffset: 2, complete: true });
  });
  it('throws the decoder errors', () => {
    const expectCode = (bytes: Uint8Array, code: string, offset: number, opts = {}) =>
      assert.throws(
        () => peekRecordLength(bytes, opts),
        (e: unknown) => isMesosWireError(e) && e.code === code && e.offset === offset,
      );
    expectCode(ascii('\n'), 'MW_RECORDIO_BAD_LENGTH', 0);
    expectCode(ascii('1x\n'), 'MW_RECORDIO_BAD_LENGTH', 101, { startOffset: 100 });
    expectCode(ascii('9'), 'MW_RECORDIO_RECORD_TOO_LARGE', 0, { maxRecordBytes: 8 });
    expectCode(ascii('000000000000000000000'), 'MW_RECORDIO_LENGTH_OVERFLOW', 20);
  });
});

describe('iterateRecords (async adapter)', () => {
  it('yields records with offsets across chunks', async () => {
    const chunks = [ascii('5\nHE'), ascii('LLO6\nWORLD!'), ascii('0\n')];
    const got = [];
    for await (const r of iterateRecords(chunks)) got.push([new TextDecoder().decode(r.data), r.offset, r.dataOffset]);
    assert.deepEqual(got, [
      ['HELLO', 0, 2],
      ['WORLD!', 7, 9],
      ['', 15, 17],
    ]);
  });
  it('PipeFailure: yields the record before a failing source, then rethrows its error', async () => {
    const boom = new Error('writer failed');
    async function* source() {
      yield ascii('7\nENCODED');
      throw boom;
    }
    const got: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const r of iterateRecords(source())) got.push(new TextDecoder().decode(r.data));
      })(),
      (e: unknown) => e === boom,
    );
    assert.deepEqual(got, ['ENCODED']);
  });
  it('yields the records before bad bytes, then throws; and reports truncation at end', async () => {
    const got: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const r of iterateRecords([ascii('1\na1\nbX')])) got.push(new TextDecoder().decode(r.data));
      })(),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_RECORDIO_BAD_LENGTH' && e.offset === 6,
    );
    assert.deepEqual(got, ['a', 'b']);
    await assert.rejects(
      (async () => {
        for await (const _ of iterateRecords([ascii('3\nab')])) {
        }
      })(),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_RECORDIO_TRUNCATED' && e.offset === 0,
    );
  });
});

/** Cuts `bytes` at the given (sorted, deduplicated) positions. */
function cutAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

describe('RecordIO properties (fast-check)', () => {
  it('encode -> decode is the identity under random splits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (records, cuts) => {
          const stream = cat(...records.map((r) => encodeRecord(r)));
          const decoder = new RecordIoDecoder();
          const got: string[] = [];
          for (const piece of cutAt(stream, cuts)) decoder.write(piece, (r) => got.push(toHexString(r)));
          decoder.end();
          assert.deepEqual(got, records.map(toHexString));
          assert.equal(decoder.offset, stream.length);
        },
      ),
      { numRuns: 400 },
    );
  });
  it('random and mutated bytes: only MesosWireErrors, records within maxRecordBytes, the same outcome at any cuts', () => {
    // Mutations set a byte or splice in hostile text: huge lengths, hex prefixes, stray LFs.
    const splice = fc.constantFrom('99999999999999999999\n', '1152921504606846976\n', '0x', '\n', '00', '7\n');
    const mutated = fc
      .tuple(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 5 }), fc.nat(), fc.oneof(fc.nat(255), splice))
      .map(([records, at, change]) => {
        const s = cat(...records.map((r) => encodeRecord(r)));
        if (typeof change === 'string')
          return cat(s.subarray(0, at % (s.length + 1)), change, s.subarray(at % (s.length + 1)));
        if (s.length > 0) s[at % s.length] = change;
        return s;
      });
    const input = fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated);
    /** Records (hex and offsets) and the error, for one way of cutting the input. */
    const outcome = (bytes: Uint8Array, cuts: number[], maxRecordBytes: number, hexLength: boolean): string[] => {
      const decoder = new RecordIoDecoder({ maxRecordBytes, lenient: { hexLength } });
      const log: string[] = [];
      let failed = false;
      try {
        for (const piece of cutAt(bytes, cuts))
          decoder.write(piece, (record, offset, dataOffset) => {
            assert.ok(!failed, 'no record after an error');
            assert.ok(record.length <= maxRecordBytes, `record of ${record.length} bytes over ${maxRecordBytes}`);
            log.push(`${offset}/${dataOffset} ${toHexString(record)}`);
          });
        decoder.end();
      } catch (error) {
        failed = true;
        assert.ok(isMesosWireError(error) && error.code.startsWith('MW_RECORDIO_'), String(error));
        assert.ok(error.offset !== undefined && error.offset >= 0 && error.offset <= bytes.length, `${error.offset}`);
        log.push(`error ${error.code} at ${error.offset}`);
      }
      return log;
    };
    fc.assert(
      fc.property(
        input,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        (bytes, cuts, maxRecordBytes, hexLength) => {
          assert.deepEqual(
            outcome(bytes, cuts, maxRecordBytes, hexLength),
            outcome(bytes, [], maxRecordBytes, hexLength),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
