import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import { decodeSchemaless, printableText, varintAsSigned, varintAsZigZag } from '../../src/proto/schemaless.ts';
import { hex } from '../helpers/bytes.ts';

describe('decodeSchemaless', () => {
  it('reads every wire type with offsets', () => {
    // 1: varint 150; 2: fixed64 1.0; 3: "hi"; 5: fixed32 1.0f
    const bytes = hex('08 96 01 | 11 00 00 00 00 00 00 f0 3f | 1a 02 68 69 | 2d 00 00 80 3f');
    const { fields, error } = decodeSchemaless(bytes, { baseOffset: 100 });
    assert.equal(error, undefined);
    assert.equal(fields.length, 4);
    assert.deepEqual(fields[0], { number: 1, wireType: 0, offset: 100, length: 3, valueOffset: 101, value: 150n });
    const f2 = fields[1]!;
    assert.equal(f2.wireType, 1);
    if (f2.wireType === 1) {
      assert.equal(f2.value, 0x3ff0000000000000n);
      assert.equal(f2.double, 1);
      assert.equal(f2.offset, 103);
      assert.equal(f2.length, 9);
    }
    const f3 = fields[2]!;
    assert.equal(f3.wireType, 2);
    if (f3.wireType === 2) {
      assert.equal(f3.offset, 112);
      assert.equal(f3.valueOffset, 114);
      assert.equal(f3.length, 4);
      assert.equal(f3.text, 'hi');
      // "hi" is also a valid message (0x68 = field 13 varint, value 0x69): both guesses are kept.
      assert.deepEqual(f3.message, [
        { number: 13, wireType: 0, offset: 114, length: 2, valueOffset: 115, value: 105n },
      ]);
    }
    const f4 = fields[3]!;
    assert.equal(f4.wireType, 5);
    if (f4.wireType === 5) {
      assert.equal(f4.value, 0x3f800000);
      assert.equal(f4.float, 1);
      assert.equal(f4.length, 5);
      assert.equal(f4.offset, 116);
    }
  });

  it('guesses nested messages (the v0 SUBSCRIBE call of wire-protocol 3.5)', () => {
    const bytes = hex('10 01 1a 0e 0a 0a 0a 04 72 6f 6f 74 12 02 66 77 10 01');
    const { fields, error } = decodeSchemaless(bytes);
    assert.equal(error, undefined);
    assert.equal(fields.length, 2);
    const sub = fields[1]!;
    assert.ok(sub.wireType === 2 && sub.message);
    assert.equal(sub.message.length, 2);
    const info = sub.message[0]!;
    assert.ok(info.wireType === 2 && info.message);
    assert.equal(info.offset, 4);
    const user = info.message[0]!;
    assert.ok(user.wireType === 2);
    assert.equal(user.text, 'root');
    assert.equal(user.offset, 6);
    assert.equal(user.valueOffset, 8);
    const force = sub.message[1]!;
    assert.deepEqual(force, { number: 2, wireType: 0, offset: 16, length: 2, valueOffset: 17, value: 1n });
  });

  it('reads a 10-byte negative int32 varint', () => {
    const { fields, error } = decodeSchemaless(hex('08 ff ff ff ff ff ff ff ff ff 01'));
    assert.equal(error, undefined);
    const f = fields[0]!;
    assert.ok(f.wireType === 0);
    assert.equal(f.value, 0xffffffffffffffffn);
    assert.equal(varintAsSigned(f.value), -1n);
    assert.equal(f.length, 11);
  });

  it('reads groups', () => {
    const { fields, error } = decodeSchemaless(hex('0b 08 01 0c 10 02'));
    assert.equal(error, undefined);
    assert.equal(fields.length, 2);
    const g = fields[0]!;
    assert.ok(g.wireType === 3);
    assert.equal(g.length, 4);
    assert.deepEqual(g.fields, [{ number: 1, wireType: 0, offset: 1, length: 2, valueOffset: 2, value: 1n }]);
  });

  it('returns what parsed and an error record on a truncated length', () => {
    const r = decodeSchemaless(hex('08 01 12 05 61 62'), { baseOffset: 10 });
    assert.equal(r.fields.length, 1);
    assert.ok(r.error);
    assert.equal(r.error.code, 'MW_PROTO_DECODE');
    assert.equal(r.error.offset, 13);
  });

  it('reports field number 0, bad wire types, long varints and stray end groups', () => {
    const cases: [string, number, string][] = [
      ['00 01', 0, 'MW_PROTO_DECODE'],
      ['08 01 0e', 2, 'MW_PROTO_DECODE'],
      ['08 ff ff ff ff ff ff ff ff ff ff 01', 1, 'MW_PROTO_DECODE'],
      ['0c', 0, 'MW_PROTO_DECODE'],
      ['0b 08 01', 3, 'MW_PROTO_DECODE'],
      ['0b 14', 1, 'MW_PROTO_DECODE'],
      ['08', 1, 'MW_PROTO_DECODE'],
      ['09 00 00', 0, 'MW_PROTO_DECODE'],
      ['0d 00', 0, 'MW_PROTO_DECODE'],
      ['0a ff ff ff ff 7f', 1, 'MW_PROTO_DECODE'],
    ];
    for (const [input, offset, code] of cases) {
      const r = decodeSchemaless(hex(input));
      assert.ok(r.error, input);
      assert.equal(r.error.code, code, input);
      assert.equal(r.error.offset, offset, input);
    }
  });

  it('stops groups at maxDepth with MW_PROTO_TOO_DEEP', () => {
    const r = decodeSchemaless(hex('0b 0b 0b 0c 0c 0c'), { maxDepth: 2 });
    assert.ok(r.error);
    assert.equal(r.error.code, 'MW_PROTO_TOO_DEEP');
    assert.equal(r.error.offset, 2);
    assert.equal(r.fields.length, 1);
  });

  it('does not guess below maxDepth', () => {
    const r = decodeSchemaless(hex('0a 04 0a 02 08 01'), { maxDepth: 2 });
    assert.equal(r.error, undefined);
    const outer = r.fields[0]!;
    assert.ok(outer.wireType === 2 && outer.message);
    const inner = outer.message[0]!;
    assert.ok(inner.wireType === 2);
    assert.equal(inner.message, undefined);
  });

  it('never throws on random bytes and reports offsets inside the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(1000), (bytes, base) => {
        const r = decodeSchemaless(bytes, { baseOffset: base });
        if (r.error) {
          assert.ok(isMesosWireError(r.error));
          assert.ok(r.error.offset! >= base && r.error.offset! <= base + bytes.length);
        }
        for (const f of r.fields) assert.ok(f.offset >= base && f.offset + f.length <= base + bytes.length);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('helpers', () => {
  it('zigzag and printable text', () => {
    assert.equal(varintAsZigZag(1n), -1n);
    assert.equal(varintAsZigZag(4n), 2n);
    assert.equal(printableText(hex('68 c3 a9')), 'hé');
    assert.equal(printableText(hex('68 00')), undefined);
    assert.equal(printableText(hex('c3')), undefined);
  });
});

describe('truncation at every byte boundary', () => {
  it('every prefix reads the complete fields before the cut and reports the cut field', () => {
    const bytes = hex(
      '10 01 1a 0e 0a 0a 0a 04 72 6f 6f 74 12 02 66 77 10 01 21 00 00 00 00 00 00 f0 3f 2d 00 00 80 3f',
    );
    const full = decodeSchemaless(bytes).fields;
    const ends = full.map((f) => f.offset + f.length);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = decodeSchemaless(bytes.subarray(0, cut), { baseOffset: 1000 });
      const complete = ends.filter((e) => e <= cut).length;
      assert.equal(r.fields.length, complete, `cut ${cut}`);
      for (let i = 0; i < complete; i++) assert.equal(r.fields[i]!.offset, full[i]!.offset + 1000);
      if (ends.includes(cut) || cut === 0) assert.equal(r.error, undefined, `cut ${cut}`);
      else {
        assert.equal(r.error?.code, 'MW_PROTO_DECODE', `cut ${cut}`);
        const start = full[complete]!.offset;
        assert.ok(r.error!.offset! >= 1000 + start && r.error!.offset! <= 1000 + cut, `cut ${cut}`);
      }
    }
  });
});
