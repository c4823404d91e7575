import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeWithType } from '../../src/proto/decode.ts';
import { parseJson, parseJsonBytes } from '../../src/proto/json-parse.ts';
import { encodeMessage, fromMesosJson, mesosJsonToMessage } from '../../src/proto/json-read.ts';
import { formatDouble, quoteString, toMesosJson } from '../../src/proto/json-write.ts';
import { findType, getDefaultRoot } from '../../src/proto/schema.ts';
import { ascii, hex, toHexString } from '../helpers/bytes.ts';
import { fixtureType } from './fixture-root.ts';

const Message = () => fixtureType('mwtest.Message');
const Int64s = () => fixtureType('mwtest.Int64s');
const Floats = () => fixtureType('mwtest.Floats');

/** JSON -> bytes -> decode -> JSON, the full path. */
function roundTrip(json: string, typeName: string, options?: { keyOrder?: 'alphabetical' }): string {
  const type = fixtureType(typeName);
  const bytes = fromMesosJson(json, type);
  return toMesosJson(decodeWithType(type, bytes), type, options);
}

const ALL_AS_STRINGS =
  '{"b":"true","str":"string","bytes":"Ynl0ZXM=","int32":"-1","int64":"-1","uint32":"1","uint64":"1",' +
  '"sint32":"-1","sint64":"-1","f":"1.0","d":"1.0","e":"ONE","nested":{"str":"nested"},' +
  '"repeated_bool":["true"],"repeated_string":["repeated_string"],"repeated_bytes":["cmVwZWF0ZWRfYnl0ZXM="],' +
  '"repeated_int32":["-2"],"repeated_int64":["-2"],"repeated_uint32":["2"],"repeated_uint64":["2"],' +
  '"repeated_sint32":["-2"],"repeated_sint64":["-2"],"repeated_float":["1.0"],"repeated_double":["1.0","2.0"],' +
  '"repeated_enum":["TWO"],"repeated_nested":[{"str":"repeated_nested"}]}';

const DECLARATION_ORDER =
  '{"b":true,"str":"string","bytes":"Ynl0ZXM=","int32":-1,"int64":-1,"uint32":1,"uint64":1,' +
  '"sint32":-1,"sint64":-1,"f":1.0,"d":1.0,"e":"ONE","nested":{"str":"nested"},' +
  '"repeated_bool":[true],"repeated_string":["repeated_string"],"repeated_bytes":["cmVwZWF0ZWRfYnl0ZXM="],' +
  '"repeated_int32":[-2],"repeated_int64":[-2],"repeated_uint32":[2],"repeated_uint64":[2],' +
  '"repeated_sint32":[-2],"repeated_sint64":[-2],"repeated_float":[1.0],"repeated_double":[1.0,2.0],' +
  '"repeated_enum":["TWO"],"repeated_nested":[{"str":"repeated_nested"}],"optional_default":42.0}';

const ALPHABETICAL =
  '{"b":true,"bytes":"Ynl0ZXM=","d":1.0,"e":"ONE","f":1.0,"int32":-1,"int64":-1,"nested":{"str":"nested"},' +
  '"optional_default":42.0,"repeated_bool":[true],"repeated_bytes":["cmVwZWF0ZWRfYnl0ZXM="],' +
  '"repeated_double":[1.0,2.0],"repeated_enum":["TWO"],"repeated_float":[1.0],"repeated_int32":[-2],' +
  '"repeated_int64":[-2],"repeated_nested":[{"str":"repeated_nested"}],"repeated_sint32":[-2],' +
  '"repeated_sint64":[-2],"repeated_string":["repeated_string"],"repeated_uint32":[2],"repeated_uint64":[2],' +
  '"sint32":-1,"sint64":-1,"str":"string","uint32":1,"uint64":1}';

describe('Mesos JSON (stout protobuf_tests cases, wire-protocol 6.7)', () => {
  it('Jsonify: declaration order, defaults emitted, deprecated default and unset no-default omitted', () => {
    assert.equal(roundTrip(ALL_AS_STRINGS, 'mwtest.Message'), DECLARATION_ORDER);
  });

  it('JSON: the JSON::Object model writes keys alphabetically', () => {
    assert.equal(roundTrip(ALL_AS_STRINGS, 'mwtest.Message', { keyOrder: 'alphabetical' }), ALPHABETICAL);
  });

  it('JSON: numbers and bools written as strings parse to the identical message', () => {
    const fromStrings = fromMesosJson(ALL_AS_STRINGS, Message());
    const fromNumbers = fromMesosJson(DECLARATION_ORDER.replace(',"optional_default":42.0', ''), Message());
    assert.equal(toHexString(fromStrings), toHexString(fromNumbers));
    // the alphabetical text is the same message too
    assert.equal(
      toHexString(fromMesosJson(ALPHABETICAL.replace('"optional_default":42.0,', ''), Message())),
      toHexString(fromNumbers),
    );
  });

  it('JsonLargeIntegers: 64-bit extremes stay exact, from literal bytes and back', () => {
    const bytes = hex(
      '08 81 80 80 80 80 80 80 80 80 01 | 10 ff ff ff ff ff ff ff ff 7f | 30 ff ff ff ff ff ff ff ff ff 01 |' +
        '38 ff ff ff ff 0f | 42 09 80 80 f0 9d 99 dd bf 92 61',
    );
    const json =
      '{"i64":-9223372036854775807,"u64":9223372036854775807,"i32":-1,"u32":4294967295,"packed_u64":[7000000000000000000]}';
    const decoded = decodeWithType(Int64s(), bytes);
    assert.equal(decoded.i64, -9223372036854775807n);
    assert.equal(decoded.u64, 9223372036854775807n);
    assert.equal(toMesosJson(decoded, Int64s()), json);
    assert.equal(toHexString(fromMesosJson(json, Int64s())), toHexString(bytes));
  });

  it('int64/uint64/sint64/fixed64/sfixed64 at both ends', () => {
    const bytes = hex(
      '08 80 80 80 80 80 80 80 80 80 01 | 10 ff ff ff ff ff ff ff ff ff 01 | 18 01 |' +
        '21 ff ff ff ff ff ff ff ff | 29 00 00 00 00 00 00 00 80',
    );
    const json =
      '{"i64":-9223372036854775808,"u64":18446744073709551615,"s64":-1,"f64":18446744073709551615,"sf64":-9223372036854775808}';
    assert.equal(toMesosJson(decodeWithType(Int64s(), bytes), Int64s()), json);
    assert.equal(toHexString(fromMesosJson(json, Int64s())), toHexString(bytes));
    // uint64 above 2^63-1 given as a string is exact too
    assert.equal(toHexString(fromMesosJson('{"u64":"18446744073709551615"}', Int64s())), '10ffffffffffffffffff01');
  });

  it('negative int32 is a 10-byte varint', () => {
    assert.equal(toHexString(fromMesosJson('{"i32":-2}', Int64s())), '30feffffffffffffffff01');
    assert.equal(
      toMesosJson(decodeWithType(Int64s(), hex('30 fe ff ff ff ff ff ff ff ff 01')), Int64s()),
      '{"i32":-2}',
    );
  });

  it('ParseJSONNull: null leaves optional and repeated unset; required null fails', () => {
    const T = fixtureType('mwtest.NullMessage');
    assert.equal(toHexString(fromMesosJson('{"str":"s","optional_str":null,"repeated_str":null}', T)), '0a0173');
    assert.throws(
      () => fromMesosJson('{"str":null}', T),
      (e: { code: string; message: string }) =>
        e.code === 'MW_PROTO_MISSING_REQUIRED' && e.message === 'Missing required fields: str',
    );
  });

  it('ParseJSONNestedError: a number for a nested string field', () => {
    assert.throws(
      () => fromMesosJson('{"nested":{"str":10}}', Message(), { allowMissingRequired: true }),
      (e: { code: string; message: string; offset: number }) =>
        e.code === 'MW_JSON_TYPE' &&
        e.message.includes("Not expecting a JSON number for field 'nested.str'") &&
        e.offset === 17,
    );
  });

  it('ParseJSONUnrecognizedEnum: unknown names dropped unless required', () => {
    const T = fixtureType('mwtest.EnumMessage');
    const m = mesosJsonToMessage('{"e1":"XXX","e2":"","repeated_enum":["ONE","XXX","","TWO"],"required_e":"TWO"}', T);
    assert.deepEqual(m, { repeated_enum: [1, 2], required_e: 2 });
    assert.equal(
      toMesosJson(decodeWithType(T, encodeMessage(m, T)), T),
      '{"repeated_enum":["ONE","TWO"],"required_e":"TWO"}',
    );
    assert.throws(
      () => fromMesosJson('{"required_e":"XXX"}', T),
      (e: { code: string; offset: number }) => e.code === 'MW_JSON_TYPE' && e.offset === 14,
    );
    assert.throws(
      () => fromMesosJson('{"required_e":1}', T),
      (e: { code: string }) => e.code === 'MW_JSON_TYPE',
    );
  });

  it('JsonifyMap: maps are objects with stringified keys', () => {
    const T = fixtureType('mwtest.MapMessage');
    const json =
      '{"string_to_string":{"a":"b","c":"d"},"int64_to_double":{"-9223372036854775808":1.5,"7":2.0},' +
      '"string_to_nested":{"k":{"str":"v"}}}';
    const bytes = fromMesosJson(json, T);
    // Integer-like keys come out in JavaScript's key order (Mesos: map iteration order).
    assert.equal(
      toMesosJson(decodeWithType(T, bytes), T),
      '{"string_to_string":{"a":"b","c":"d"},"int64_to_double":{"7":2.0,"-9223372036854775808":1.5},' +
        '"string_to_nested":{"k":{"str":"v"}}}',
    );
  });

  it('JsonInfinity: infinities are strings both ways; NaN is a bare token', () => {
    const bytes = fromMesosJson('{"f":"Infinity","d":"-Infinity","ds":["Infinity",1]}', Floats());
    assert.equal(toHexString(bytes), `0d0000807f${'11000000000000f0ff'}${'19000000000000f07f'}${'19000000000000f03f'}`);
    assert.equal(
      toMesosJson(decodeWithType(Floats(), bytes), Floats()),
      '{"f":"Infinity","d":"-Infinity","ds":["Infinity",1.0]}',
    );
    const nan = toMesosJson(decodeWithType(Floats(), hex('11 00 00 00 00 00 00 f8 7f')), Floats());
    assert.equal(nan, '{"d":NaN}');
    // mesos-wire reads its own NaN back
    assert.ok(Number.isNaN(mesosJsonToMessage(nan, Floats()).d as number));
  });

  it('float fields are widened to double before formatting', () => {
    assert.equal(
      toMesosJson(decodeWithType(Floats(), hex('0d cd cc cc 3d 11 9a 99 99 99 99 99 b9 3f')), Floats()),
      '{"f":0.10000000149011612,"d":0.1}',
    );
  });
});

describe('Mesos JSON input leniencies', () => {
  it('a single value for a repeated field', () => {
    assert.equal(toHexString(fromMesosJson('{"ds":2.5}', Floats())), '190000000000000440');
  });

  it('an array for a singular field is an error', () => {
    assert.throws(
      () => fromMesosJson('{"d":[1]}', Floats()),
      (e: { code: string; offset: number }) => e.code === 'MW_JSON_TYPE' && e.offset === 5,
    );
  });

  it('unknown keys are ignored', () => {
    assert.equal(toHexString(fromMesosJson('{"zz":[1,{"a":2}],"$unknown":[],"d":1}', Floats())), '11000000000000f03f');
  });

  it('$unknown entries are restored as the unknown fields they describe', () => {
    const bytes = hex(
      '11 00 00 00 00 00 00 f0 3f | f8 01 ff ff ff ff ff ff ff ff ff 01 | a2 06 02 68 69 | 29 01 00 00 00 00 00 00 00 | 35 02 00 00 00 | 5b 08 01 5c',
    );
    const json = toMesosJson(decodeWithType(Floats(), bytes), Floats());
    assert.equal(
      json,
      '{"d":1.0,"$unknown":[{"number":31,"wire_type":0,"value":18446744073709551615},' +
        '{"number":100,"wire_type":2,"value":"aGk="},{"number":5,"wire_type":1,"value":1},' +
        '{"number":6,"wire_type":5,"value":2},{"number":11,"wire_type":3,"value":[{"number":1,"wire_type":0,"value":1}]}]}',
    );
    assert.equal(toHexString(fromMesosJson(json, Floats())), toHexString(bytes));
    assert.throws(
      () => fromMesosJson('{"$unknown":[{"number":0,"wire_type":0,"value":1}]}', Floats()),
      (e: { code: string; offset: number }) => e.code === 'MW_JSON_TYPE' && e.offset === 13,
    );
  });

  it('duplicate keys: the last wins', () => {
    assert.equal(toHexString(fromMesosJson('{"d":1,"d":2}', Floats())), '110000000000000040');
  });

  it('bytes: whitespace ignored, padding optional, stops at =, bad characters fail with their offset', () => {
    const T = fixtureType('mwtest.Message');
    const opts = { allowMissingRequired: true };
    assert.equal(toHexString(fromMesosJson('{"bytes":"Ynl0\\nZXM"}', T, opts)), '12056279746573');
    assert.equal(toHexString(fromMesosJson('{"bytes":"YQ==YQ"}', T, opts)), '120161');
    assert.throws(
      () => fromMesosJson('{"bytes":"Yn*0"}', T, opts),
      (e: { code: string; offset: number }) => e.code === 'MW_JSON_TYPE' && e.offset === 12,
    );
  });

  it('integers: fractions truncate, range is checked, non-numbers fail', () => {
    assert.equal(toHexString(fromMesosJson('{"i32":"1.9e1"}', Int64s())), '3013');
    assert.throws(
      () => fromMesosJson('{"i32":2147483648}', Int64s()),
      (e: { code: string }) => e.code === 'MW_JSON_TYPE',
    );
    assert.throws(
      () => fromMesosJson('{"u32":-1}', Int64s()),
      (e: { code: string }) => e.code === 'MW_JSON_TYPE',
    );
    assert.throws(
      () => fromMesosJson('{"i64":"x"}', Int64s()),
      (e: { code: string }) => e.code === 'MW_JSON_TYPE',
    );
    assert.throws(
      () => fromMesosJson('{"i64":true}', Int64s()),
      (e: { code: string }) => e.code === 'MW_JSON_TYPE',
    );
  });

  it('the top level must be an object', () => {
    assert.throws(
      () => fromMesosJson('[]', Floats()),
      (e: { code: string; offset: number }) => e.code === 'MW_JSON_TYPE' && e.offset === 0,
    );
  });
});

describe('JSON parser', () => {
  it('keeps number text and offsets', () => {
    const node = parseJson(' {"a": [1, -9223372036854775808, 1.5e3], "b": "x\\u00e9\\n"}');
    assert.equal(node.kind, 'object');
    if (node.kind !== 'object') return;
    assert.equal(node.offset, 1);
    const a = node.entries.get('a')!;
    assert.ok(a.kind === 'array');
    assert.deepEqual(
      a.items.map((i) => (i.kind === 'number' ? [i.text, i.offset] : null)),
      [
        ['1', 8],
        ['-9223372036854775808', 11],
        ['1.5e3', 33],
      ],
    );
    const b = node.entries.get('b')!;
    assert.ok(b.kind === 'string');
    assert.equal(b.value, 'xé\n');
  });

  it('reports syntax errors with offsets', () => {
    const cases: [string, number, string][] = [
      ['{"a":1} x', 8, 'MW_JSON_PARSE'],
      ['{"a":}', 5, 'MW_JSON_PARSE'],
      ['{"a":1,}', 7, 'MW_JSON_PARSE'],
      ['{"a":01}', 6, 'MW_JSON_PARSE'],
      ['{"a":"\u0001"}', 6, 'MW_JSON_PARSE'],
      ['{"a":"\\x"}', 6, 'MW_JSON_PARSE'],
      ['{"a":"abc', 5, 'MW_JSON_PARSE'],
      ['', 0, 'MW_JSON_PARSE'],
      ['tru', 0, 'MW_JSON_PARSE'],
    ];
    for (const [text, offset, code] of cases) {
      assert.throws(
        () => parseJson(text),
        (e: { code: string; offset: number }) => e.code === code && e.offset === offset,
        JSON.stringify(text),
      );
    }
  });

  it('limits nesting to 200 levels', () => {
    parseJson(`${'['.repeat(200)}${']'.repeat(200)}`);
    assert.throws(
      () => parseJson(`${'['.repeat(201)}${']'.repeat(201)}`),
      (e: { code: string; offset: number }) => e.code === 'MW_JSON_TOO_DEEP' && e.offset === 200,
    );
    assert.throws(
      () => fromMesosJson(`${'{"next":'.repeat(201)}{}${'}'.repeat(201)}`, fixtureType('mwtest.Deep')),
      (e: { code: string }) => e.code === 'MW_JSON_TOO_DEEP',
    );
  });

  it('reports byte offsets for UTF-8 input', () => {
    assert.throws(
      () => parseJsonBytes(ascii('{"\xc3\xa9":x}')),
      (e: { code: string; offset: number }) => e.code === 'MW_JSON_PARSE' && e.offset === 6,
    );
  });
});

describe('number and string formatting', () => {
  it('formats doubles like Mesos', () => {
    const cases: [number, string][] = [
      [15, '15.0'],
      [1, '1.0'],
      [-0, '-0.0'],
      [0, '0.0'],
      [0.1, '0.1'],
      [1e21, '1e21'],
      [1.5e300, '1.5e300'],
      [1e-7, '1e-7'],
      [0.000001, '0.000001'],
      [123456789012345680000, '123456789012345680000.0'],
      [-2.5, '-2.5'],
      [Number.POSITIVE_INFINITY, '"Infinity"'],
      [Number.NEGATIVE_INFINITY, '"-Infinity"'],
      [Number.NaN, 'NaN'],
    ];
    for (const [v, s] of cases) assert.equal(formatDouble(v), s, String(v));
  });

  it('escapes strings like RapidJSON (raw UTF-8, uppercase \\u00XX)', () => {
    assert.equal(quoteString('a"b\\c\n\t\u0001é/'), '"a\\"b\\\\c\\n\\t\\u0001é/"');
  });
});

describe('hand-built messages', () => {
  it('write undefined enum numbers as numbers and enum names as strings', () => {
    const T = fixtureType('mwtest.EnumMessage');
    assert.equal(
      toMesosJson({ e1: 7, e2: 'TWO', repeated_enum: [1, 9] }, T),
      '{"e1":7,"e2":"TWO","repeated_enum":["ONE",9]}',
    );
  });
});

describe('Mesos schemas (the bundled proto/)', () => {
  const mesosType = (name: string) => {
    const type = findType(getDefaultRoot(), name);
    assert.ok(type !== undefined, name);
    return type;
  };

  it('FrameworkInfo {user,name}: failover_timeout and checkpoint defaults written, deprecated role not', () => {
    // Decoded from literal bytes: 0a 04 "root" 12 02 "fw".
    const type = mesosType('mesos.FrameworkInfo');
    const m = decodeWithType(type, hex('0a04726f6f74 12026677'));
    assert.equal(toMesosJson(m, type), '{"user":"root","name":"fw","failover_timeout":0.0,"checkpoint":false}');
    assert.equal(
      toMesosJson(m, type, { keyOrder: 'alphabetical' }),
      '{"checkpoint":false,"failover_timeout":0.0,"name":"fw","user":"root"}',
    );
  });

  it('agentNames: slave -> agent in field names, SLAVE -> AGENT in enum names (v0 data as v1 JSON)', () => {
    const type = mesosType('mesos.TaskStatus');
    const m = mesosJsonToMessage(
      '{"task_id":{"value":"t"},"state":"TASK_LOST","slave_id":{"value":"S1"},' +
        '"source":"SOURCE_SLAVE","reason":"REASON_SLAVE_DISCONNECTED"}',
      type,
    );
    assert.equal(
      toMesosJson(m, type, { agentNames: true }),
      '{"task_id":{"value":"t"},"state":"TASK_LOST","source":"SOURCE_AGENT","reason":"REASON_AGENT_DISCONNECTED",' +
        '"agent_id":{"value":"S1"}}',
    );
    // The default writer is unchanged after the renaming one ran (separate plans).
    assert.equal(
      toMesosJson(m, type),
      '{"task_id":{"value":"t"},"state":"TASK_LOST","source":"SOURCE_SLAVE","reason":"REASON_SLAVE_DISCONNECTED",' +
        '"slave_id":{"value":"S1"}}',
    );
  });
});
