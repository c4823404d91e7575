import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMesosWireError } from '../../src/errors.ts';
import { RecordIoDecoder, type RecordIoDecoderOptions } from '../../src/recordio/index.ts';
import { ascii, everySplit, hex, toHexString } from '../helpers/bytes.ts';

interface Outcome {
  records: { hex: string; offset: number; dataOffset: number }[];
  error?: { code: string; offset: number | undefined };
}

/** Feeds the pieces, then end(); records everything delivered and the first error. */
function run(pieces: Uint8Array[], options?: RecordIoDecoderOptions): Outcome {
  const decoder = new RecordIoDecoder(options);
  const out: Outcome = { records: [] };
  const onRecord = (record: Uint8Array, offset: number, dataOffset: number) => {
    assert.equal(out.error, undefined, 'no record after an error');
    out.records.push({ hex: toHexString(record), offset, dataOffset });
  };
  try {
    for (const piece of pieces) decoder.write(piece, onRecord);
    decoder.end();
  } catch (error) {
    assert.ok(isMesosWireError(error), `not a MesosWireError: ${String(error)}`);
    out.error = { code: error.code, offset: error.offset };
    // Terminal: feeding more (valid) input re-throws the same error and delivers nothing.
    assert.throws(
      () => decoder.write(ascii('1\nx'), onRecord),
      (e: unknown) => e === error,
    );
    assert.throws(
      () => decoder.end(),
      (e: unknown) => e === error,
    );
  }
  return out;
}

/** Runs `input` under every split and checks each gives `expected`. */
function check(input: Uint8Array, expected: Outcome, options?: RecordIoDecoderOptions): void {
  for (const { label, pieces } of everySplit(input)) {
    assert.deepEqual(run(pieces, options), expected, label);
  }
}

const rec = (text: string, offset: number, dataOffset: number) => ({
  hex: toHexString(ascii(text)),
  offset,
  dataOffset,
});

describe('RecordIoDecoder: stout recordio_tests.cpp (wire-protocol.md §6.5)', () => {
  it('Encode stream decodes to its four records', () => {
    // "6\nhello!0\n1\n 13\n13 characters" written as independent hex.
    const input = hex('36 0a 68656c6c6f21 30 0a 31 0a 20 3133 0a 31332063686172616374657273');
    check(input, {
      records: [rec('hello!', 0, 2), rec('', 8, 10), rec(' ', 10, 12), rec('13 characters', 13, 16)],
    });
  });
  it('empty input: no records, no error', () => {
    assert.deepEqual(run([]), { records: [] });
    assert.deepEqual(run([new Uint8Array(0)]), { records: [] });
  });
  it('6\\nhello!0\\n1\\n  -> three records', () => {
    check(ascii('6\nhello!0\n1\n '), { records: [rec('hello!', 0, 2), rec('', 8, 10), rec(' ', 10, 12)] });
  });
  it('"1", "3", "\\n", "13 character" deliver nothing; then "s" delivers the record', () => {
    const decoder = new RecordIoDecoder();
    const got: string[] = [];
    const on = (r: Uint8Array) => got.push(new TextDecoder().decode(r));
    for (const piece of ['1', '3', '\n', '13 character']) decoder.write(ascii(piece), on);
    assert.deepEqual(got, []);
    decoder.write(ascii('s'), on);
    assert.deepEqual(got, ['13 characters']);
    // Then "not a number\n": error at its first byte, and a valid "1\n" afterwards fails again.
    assert.throws(
      () => decoder.write(ascii('not a number\n'), on),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_RECORDIO_BAD_LENGTH' && e.offset === 16,
    );
    assert.throws(
      () => decoder.write(ascii('1\n'), on),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_RECORDIO_BAD_LENGTH',
    );
    assert.deepEqual(got, ['13 characters']);
  });
});

describe('RecordIoDecoder: common/recordio_tests.cpp (wire-protocol.md §6.6)', () => {
  it('EndOfFile: HELLO, WORLD!, then goodbye and a clean end', () => {
    check(ascii('5\nHELLO6\nWORLD!7\ngoodbye'), {
      records: [rec('HELLO', 0, 2), rec('WORLD!', 7, 9), rec('goodbye', 15, 17)],
    });
  });
  it('DecodingFailure: "encoded" then raw "not encoded!\\n" fails; later records are ignored', () => {
    check(ascii('7\nencodednot encoded!\n5\nHELLO'), {
      records: [rec('encoded', 0, 2)],
      error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 9 },
    });
  });
});

describe('RecordIoDecoder: framing details', () => {
  it('the §4.3 examples: JSON HEARTBEAT and its protobuf form', () => {
    check(ascii('20\n{"type":"HEARTBEAT"}2\n\x08\x08'), {
      records: [rec('{"type":"HEARTBEAT"}', 0, 3), { hex: '0808', offset: 23, dataOffset: 25 }],
    });
  });
  it('consecutive zero-length records', () => {
    check(ascii('0\n0\n0\n'), { records: [rec('', 0, 2), rec('', 2, 4), rec('', 4, 6)] });
  });
  it('leading zeros in a length are decimal', () => {
    check(ascii('007\nabcdefg'), { records: [rec('abcdefg', 0, 4)] });
  });
  it('binary record bytes including LF and digits', () => {
    check(hex('33 0a 0a 31 0a 31 0a 0a'), {
      records: [
        { hex: '0a310a', offset: 0, dataOffset: 2 },
        { hex: '0a', offset: 5, dataOffset: 7 },
      ],
    });
  });
  it('absolute offsets honour startOffset', () => {
    const out = run([ascii('1\na2\nbcx')], { startOffset: 1000 });
    assert.deepEqual(out.records, [rec('a', 1000, 1002), rec('bc', 1003, 1005)]);
    assert.deepEqual(out.error, { code: 'MW_RECORDIO_BAD_LENGTH', offset: 1007 });
  });
  it('records lying in one input chunk are views of it; spanning records are copies', () => {
    const input = ascii('3\nabc4\ndefg');
    const decoder = new RecordIoDecoder();
    const got: Uint8Array[] = [];
    decoder.write(input.subarray(0, 9), (r) => got.push(r));
    decoder.write(input.slice(9), (r) => got.push(r));
    assert.equal(got[0]!.buffer, input.buffer);
    assert.equal(got[0]!.byteOffset, 2);
    assert.notEqual(got[1]!.buffer, input.buffer);
    assert.equal(new TextDecoder().decode(got[1]), 'defg');
  });
  it('reports offset and atRecordBoundary while streaming', () => {
    const decoder = new RecordIoDecoder();
    decoder.write(ascii('2\na'), () => {});
    assert.equal(decoder.offset, 3);
    assert.equal(decoder.atRecordBoundary, false);
    decoder.write(ascii('b'), () => {});
    assert.equal(decoder.atRecordBoundary, true);
    assert.equal(decoder.error, undefined);
  });
});

describe('RecordIoDecoder: errors', () => {
  const cases: [string, Uint8Array, Outcome, RecordIoDecoderOptions?][] = [
    ['blank length line', ascii('\n'), { records: [], error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 0 } }],
    [
      'blank line after a record',
      ascii('1\na\n1\nb'),
      { records: [rec('a', 0, 2)], error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 3 } },
    ],
    ['CRLF length line', ascii('1\r\na'), { records: [], error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 1 } }],
    ['leading space', ascii(' 5\nhello'), { records: [], error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 0 } }],
    ['trailing space', ascii('5 \nhello'), { records: [], error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 1 } }],
    ['sign', ascii('-1\nx'), { records: [], error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 0 } }],
    [
      'hex is not accepted by default',
      ascii('0x2\nab'),
      { records: [], error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 1 } },
    ],
    [
      'length above maxRecordBytes fails before the data arrives',
      ascii('6\n'),
      { records: [], error: { code: 'MW_RECORDIO_RECORD_TOO_LARGE', offset: 0 } },
      { maxRecordBytes: 5 },
    ],
    [
      'maxRecordBytes is inclusive',
      ascii('5\nhello6\nhello!'),
      { records: [rec('hello', 0, 2)], error: { code: 'MW_RECORDIO_RECORD_TOO_LARGE', offset: 7 } },
      { maxRecordBytes: 5 },
    ],
    [
      'a 2^60-byte claim fails at once with the default limit',
      ascii('1152921504606846976'),
      { records: [], error: { code: 'MW_RECORDIO_RECORD_TOO_LARGE', offset: 0 } },
    ],
    [
      'more than 20 digits (leading zeros) overflow',
      ascii('000000000000000000001\nx'),
      { records: [], error: { code: 'MW_RECORDIO_LENGTH_OVERFLOW', offset: 20 } },
    ],
    ['truncated record', ascii('5\nhel'), { records: [], error: { code: 'MW_RECORDIO_TRUNCATED', offset: 0 } }],
    [
      'truncated after a complete record',
      ascii('6\nhello!10\nabc'),
      { records: [rec('hello!', 0, 2)], error: { code: 'MW_RECORDIO_TRUNCATED', offset: 8 } },
    ],
    ['truncated length line', ascii('12'), { records: [], error: { code: 'MW_RECORDIO_TRUNCATED', offset: 0 } }],
    ['length line without data', ascii('3\n'), { records: [], error: { code: 'MW_RECORDIO_TRUNCATED', offset: 0 } }],
  ];
  for (const [name, input, expected, options] of cases) {
    it(`${name} (every split)`, () => check(input, expected, options));
  }
  it('a throwing record handler fails the decoder (MW_DECODER_FAILED), its own error propagates', () => {
    const decoder = new RecordIoDecoder();
    const boom = new Error('handler');
    assert.throws(
      () =>
        decoder.write(ascii('1\na1\nb'), () => {
          throw boom;
        }),
      (e: unknown) => e === boom,
    );
    assert.equal(decoder.error?.code, 'MW_DECODER_FAILED');
    assert.equal(decoder.error?.cause, boom);
    assert.throws(
      () => decoder.write(ascii('1\nc'), () => {}),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_DECODER_FAILED',
    );
  });
  it('rejects a bad maxRecordBytes option', () => {
    assert.throws(
      () => new RecordIoDecoder({ maxRecordBytes: -1 }),
      (e: unknown) => isMesosWireError(e) && e.code === 'MW_INVALID_ARGUMENT',
    );
  });
});

describe('RecordIoDecoder: lenient hexLength (the C++ numify quirk, §6.8)', () => {
  const lenient: RecordIoDecoderOptions = { lenient: { hexLength: true } };
  it('0x2\\n + 2 bytes -> one record', () => {
    check(hex('30 78 32 0a 61 62'), { records: [{ hex: '6162', offset: 0, dataOffset: 4 }] }, lenient);
  });
  it('0X1a with uppercase X and mixed case digits', () => {
    const data = 'abcdefghijklmnopqrstuvwxyz';
    check(ascii(`0X1A\n${data}`), { records: [rec(data, 0, 5)] }, lenient);
  });
  it('decimal lengths still work, including "0" and leading zeros', () => {
    check(
      ascii('0\n03\nabc10\n0123456789'),
      { records: [rec('', 0, 2), rec('abc', 2, 5), rec('0123456789', 8, 11)] },
      lenient,
    );
  });
  it('errors: 0x without digits, 00x, bad hex digit, too large, truncated prefix', () => {
    check(ascii('0x\n'), { records: [], error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 2 } }, lenient);
    check(ascii('00x1\na'), { records: [], error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 2 } }, lenient);
    check(ascii('0x1g\na'), { records: [], error: { code: 'MW_RECORDIO_BAD_LENGTH', offset: 3 } }, lenient);
    check(
      ascii('0x10\n'),
      { records: [], error: { code: 'MW_RECORDIO_RECORD_TOO_LARGE', offset: 0 } },
      {
        ...lenient,
        maxRecordBytes: 15,
      },
    );
    check(ascii('0x'), { records: [], error: { code: 'MW_RECORDIO_TRUNCATED', offset: 0 } }, lenient);
    check(ascii('0'), { records: [], error: { code: 'MW_RECORDIO_TRUNCATED', offset: 0 } }, lenient);
  });
});
