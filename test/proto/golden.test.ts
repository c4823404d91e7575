import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeWithType } from '../../src/proto/decode.ts';
import { encodeMessage, fromMesosJson } from '../../src/proto/json-read.ts';
import { toMesosJson } from '../../src/proto/json-write.ts';
import { buildRootFromSources, findType, getDefaultRoot, type PbType } from '../../src/proto/schema.ts';
import { hex, toHexString } from '../helpers/bytes.ts';

// Golden vectors encoded by protoc (fixtures/proto/vectors, made by the schemas'
// scripts/make-proto-vectors.ts): an encoder independent of protobufjs and of mesos-wire.
const FIXTURES = new URL('../../fixtures/proto/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('vectors/manifest.json', FIXTURES), 'utf8')) as {
  vectors: { name: string; type: string; hex: string }[];
};
const wireTestRoot = buildRootFromSources({
  'wire-test.proto': readFileSync(new URL('wire-test.proto', FIXTURES), 'utf8'),
}).root;

function typeOf(name: string): PbType {
  const t = findType(getDefaultRoot(), name) ?? findType(wireTestRoot, name);
  if (t === undefined) throw new Error(`no type ${name}`);
  return t;
}

describe('protoc golden vectors through the mesos-wire decode path', () => {
  for (const v of manifest.vectors) {
    it(`${v.name} (${v.type})`, () => {
      const type = typeOf(v.type);
      const bytes = hex(v.hex);
      const m = decodeWithType(type, bytes);
      // re-encoding gives protoc's bytes (unknown fields would be kept too)
      assert.equal(toHexString(encodeMessage(m, type)), v.hex);
      // Mesos JSON reads back to the same JSON
      const json = toMesosJson(m, type);
      assert.equal(toMesosJson(decodeWithType(type, fromMesosJson(json, type)), type), json);
    });
  }

  it('documented vectors render the Mesos JSON we expect', () => {
    const json = (name: string) => {
      const v = manifest.vectors.find((x) => x.name === name)!;
      const type = typeOf(v.type);
      return toMesosJson(decodeWithType(type, hex(v.hex)), type);
    };
    assert.equal(json('ping-slave'), '{"connected":true}');
    assert.equal(json('pong-slave'), '{}');
    assert.equal(json('double-infinity'), '{"value":"Infinity"}');
    assert.equal(json('double-negative-infinity'), '{"value":"-Infinity"}');
    assert.equal(json('int64-min'), '{"nanoseconds":-9223372036854775808}');
    assert.equal(json('int64-max'), '{"nanoseconds":9223372036854775807}');
    assert.equal(json('v1-scheduler-event-heartbeat'), '{"type":"HEARTBEAT"}');
  });
});
