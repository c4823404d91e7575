import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeWithType } from '../../src/proto/decode.ts';
import { toBigInt } from '../../src/proto/int64.ts';
import { encodeMessage, encodePartialMessage, fromMesosJson } from '../../src/proto/json-read.ts';
import { toMesosJson } from '../../src/proto/json-write.ts';
import { findType, getDefaultRoot } from '../../src/proto/schema.ts';
import { ascii, hex, toHexString } from '../helpers/bytes.ts';
import { fixtureType } from './fixture-root.ts';

const Int64s = () => fixtureType('mwtest.Int64s');

describe('64-bit integers as bigint', () => {
  it('reads every 64-bit kind from literal bytes', () => {
    const m = decodeWithType(
      Int64s(),
      hex(
        '08 ff ff ff ff ff ff ff ff ff 01 | 10 80 80 80 80 80 80 80 80 80 01 | 18 fe ff ff ff ff ff ff ff ff 01 |' +
          '21 01 00 00 00 00 00 00 00 | 29 ff ff ff ff ff ff ff ff',
      ),
    );
    assert.equal(m.i64, -1n);
    assert.equal(m.u64, 9223372036854775808n);
    assert.equal(m.s64, 9223372036854775807n);
    assert.equal(m.f64, 1n);
    assert.equal(m.sf64, -1n);
  });

  it('packed uint64 reads and writes bigint', () => {
    const bytes = hex('42 0b 00 ff ff ff ff ff ff ff ff ff 01');
    const m = decodeWithType(Int64s(), bytes);
    assert.deepEqual(m.packed_u64, [0n, 18446744073709551615n]);
    assert.equal(toHexString(encodeMessage(m, Int64s())), toHexString(bytes));
  });

  it('accepts bigint, number, decimal string and Long-like values when encoding', () => {
    const expected = '08ffffffffffffffffff01';
    for (const v of [-1n, -1, '-1', { low: -1, high: -1, unsigned: false }]) {
      assert.equal(toHexString(encodeMessage({ i64: v }, Int64s())), expected, String(v));
    }
    assert.equal(toBigInt({ low: -1, high: -1, unsigned: true }), 18446744073709551615n);
    assert.throws(() => toBigInt({}), TypeError);
  });

  it('any int64/uint64/sint64 survives bytes -> JSON -> bytes exactly', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (i64, u64, s64) => {
          const bytes = encodeMessage({ i64, u64, s64, sf64: i64, f64: u64 }, Int64s());
          const json = toMesosJson(decodeWithType(Int64s(), bytes), Int64s());
          assert.equal(json, `{"i64":${i64},"u64":${u64},"s64":${s64},"f64":${u64},"sf64":${i64}}`);
          assert.equal(toHexString(fromMesosJson(json, Int64s())), toHexString(bytes));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('partial messages', () => {
  it('encodePartialMessage skips absent required fields; fromMesosJson uses it when allowed', () => {
    const T = fixtureType('mwtest.NullMessage');
    assert.equal(toHexString(encodePartialMessage({ repeated_str: ['a', 'b'] }, T)), '1a01611a0162');
    assert.equal(toHexString(fromMesosJson('{"optional_str":"x"}', T, { allowMissingRequired: true })), '120178');
    assert.throws(
      () => fromMesosJson('{"optional_str":"x"}', T),
      (e: { code: string; detail: { missing: string[] } }) =>
        e.code === 'MW_PROTO_MISSING_REQUIRED' && e.detail.missing[0] === 'str',
    );
  });

  it('reports nested missing required paths', () => {
    const T = findType(getDefaultRoot(), 'mesos.internal.RunTaskMessage')!;
    assert.throws(
      () => fromMesosJson('{"framework":{},"task":{"name":"t","resources":[{"name":"cpus"}]}}', T),
      (e: { message: string }) =>
        e.message ===
        'Missing required fields: framework.user, framework.name, task.task_id, task.slave_id, task.resources[0].type',
    );
  });

  it('reads JSON bytes (UTF-8) as well as text', () => {
    assert.equal(toHexString(fromMesosJson(ascii('{"i64":5}'), Int64s())), '0805');
  });
});
