import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { toTextFormat, VECTORS } from '../../scripts/make-proto-vectors.ts';
import { hex } from '../helpers/bytes.ts';
import { FIXTURES_DIR, loadSchemas } from './schema-root.ts';

// Golden vectors: bytes made by `protoc --encode` from fixtures/proto/vectors/*.txt (scripts/make-proto-vectors.ts).
interface Vector {
  name: string;
  type: string;
  note: string;
  text: string;
  binary: string;
  length: number;
  hex: string;
  documented?: boolean;
  value: Record<string, unknown>;
}
const VECTORS_DIR = join(FIXTURES_DIR, 'vectors');
const manifest = JSON.parse(readFileSync(join(VECTORS_DIR, 'manifest.json'), 'utf8')) as { vectors: Vector[] };

/** How decoded messages are turned back into the manifest's value form. */
const OBJECT_FORM = { longs: String, enums: String, bytes: String, json: true } as const;

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

// Literal bytes written out from wire-protocol.md, independent of the fixtures and of both encoders.
const DOCUMENTED: Record<string, string> = {
  'status-update-ack-example-a': `
    0a 0d 0a 0b 32 30 32 34 30 31 30 31 2d 53 30
    12 0f 0a 0d 32 30 32 34 30 31 30 31 2d 30 30 30 30
    1a 10 0a 0e 74 61 73 6b 2d 30 30 30 30 30 30 30 30 31
    22 10 8f 5b 1e 2a 44 7c 4d 6e 9a 3b 0c 11 22 33 44 55`,
  'ping-slave': '08 01',
  'pong-slave': '',
  'v0-scheduler-call-subscribe': '10 01 1a 0e 0a 0a 0a 04 72 6f 6f 74 12 02 66 77 10 01',
  'v1-scheduler-call-subscribe': '10 01 1a 0c 0a 0a 0a 04 72 6f 6f 74 12 02 66 77',
  'v1-scheduler-event-heartbeat': '08 08',
  'v1-executor-event-heartbeat': '08 09',
  'v1-master-call-get-health': '08 01',
  'exited-executor-negative-status':
    '0a 03 0a 01 53 | 12 03 0a 01 46 | 1a 03 0a 01 45 | 20 ff ff ff ff ff ff ff ff ff 01',
  'int64-min': '08 80 80 80 80 80 80 80 80 80 01',
  'int64-max': '08 ff ff ff ff ff ff ff ff 7f',
  'uint64-extremes': '08 ff ff ff ff ff ff ff ff ff 01 | 10 80 80 80 80 80 80 80 80 80 01',
  'uint64-zero': '08 00 10 00',
  'double-infinity': '09 00 00 00 00 00 00 f0 7f',
  'double-negative-infinity': '09 00 00 00 00 00 00 f0 ff',
};

describe('golden vectors: protobufjs matches protoc byte for byte', () => {
  const { root } = loadSchemas(undefined, { withTestSchema: true });

  it('covers the cases the brief lists', () => {
    const names = manifest.vectors.map((v) => v.name);
    assert.equal(names.length, 29);
    for (const name of Object.keys(DOCUMENTED)) assert.ok(names.includes(name), name);
    for (const name of ['resource-offers', 'status-update-message', 'bytes-all-values', 'test-repeated-packed']) {
      assert.ok(names.includes(name), name);
    }
  });

  it('is in sync with the vector list and the text renderer of the script', () => {
    assert.deepStrictEqual(
      manifest.vectors.map((v) => ({ name: v.name, type: v.type, value: v.value })),
      VECTORS.map((v) => ({ name: v.name, type: v.type, value: v.value })),
    );
    for (const v of manifest.vectors) {
      const text = readFileSync(join(VECTORS_DIR, v.text), 'utf8');
      assert.equal(text, `${toTextFormat(root.lookupType(v.type), v.value).join('\n')}\n`, v.name);
    }
  });

  for (const v of manifest.vectors) {
    describe(`${v.name} (${v.type})`, () => {
      const type = root.lookupType(v.type);
      const protocBytes = new Uint8Array(readFileSync(join(VECTORS_DIR, v.binary)));

      it('the committed protoc bytes are the manifest bytes', () => {
        assert.equal(protocBytes.length, v.length);
        assert.equal(toHex(protocBytes), v.hex);
        if (DOCUMENTED[v.name] !== undefined) {
          assert.ok(v.documented);
          assert.deepEqual(protocBytes, hex(DOCUMENTED[v.name]!));
        }
      });

      it('protobufjs encodes the value to the same bytes', () => {
        const message = type.fromObject(v.value);
        assert.equal(type.verify(message), null);
        assert.equal(toHex(type.encode(message).finish()), toHex(protocBytes));
      });

      it('protobufjs decodes the protoc bytes back to the value, and re-encodes them unchanged', () => {
        const decoded = type.decode(protocBytes);
        assert.deepStrictEqual(type.toObject(decoded, OBJECT_FORM), v.value);
        assert.equal(toHex(type.encode(decoded).finish()), toHex(protocBytes));
      });
    });
  }

  it('encodes a negative int32 as a 10-byte varint', () => {
    const bytes = readFileSync(join(VECTORS_DIR, 'exited-executor-negative-status.bin'));
    assert.equal(toHex(bytes.subarray(bytes.length - 11)), `20${'ff'.repeat(9)}01`);
  });

  it('decodes a packed encoding of a field Mesos declares unpacked (proto2 parsers accept both)', () => {
    const type = root.lookupType('mesos.HealthCheck.HTTPCheckInfo');
    // port = 8080, statuses packed: 200, 0, 4294967295 (varints c8 01 | 00 | ff ff ff ff 0f).
    const packed = hex('08 90 3f | 22 08 c8 01 00 ff ff ff ff 0f');
    assert.deepStrictEqual(type.toObject(type.decode(packed), OBJECT_FORM), {
      port: 8080,
      statuses: [200, 0, 4294967295],
    });
  });

  it('decodes an unpacked encoding of a field declared packed', () => {
    const type = root.lookupType('mesos_wire.test.Repeated');
    // packed_int32 (field 2) written as three separate varints: 1, -1, 300.
    const unpacked = hex(`10 01 | 10 ${'ff '.repeat(9)}01 | 10 ac 02`);
    assert.deepStrictEqual(type.toObject(type.decode(unpacked), OBJECT_FORM), { packed_int32: [1, -1, 300] });
  });

  it('loses the v0 force flag when a driver SUBSCRIBE is decoded with the v1 schema', () => {
    const v0 = root.lookupType('mesos.scheduler.Call');
    const v1 = root.lookupType('mesos.v1.scheduler.Call');
    const v0Bytes = hex(DOCUMENTED['v0-scheduler-call-subscribe']!);
    const frameworkInfo = { user: 'root', name: 'fw' };
    assert.deepStrictEqual(v0.toObject(v0.decode(v0Bytes), OBJECT_FORM), {
      type: 'SUBSCRIBE',
      subscribe: { framework_info: frameworkInfo, force: true },
    });
    // v1 field 2 of Subscribe is the string suppressed_roles: the varint has the wrong wire type, so protobufjs
    // (like protoc's parser) treats it as an unknown field instead of failing.
    assert.deepStrictEqual(v1.toObject(v1.decode(v0Bytes), OBJECT_FORM), {
      type: 'SUBSCRIBE',
      subscribe: { framework_info: frameworkInfo },
    });
  });
});
