import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import { decodeBody, decodeWithType, fieldAnomalies, tryDecodeBody, unknownFieldsOf } from '../../src/proto/decode.ts';
import { encodeMessage, fromMesosJson } from '../../src/proto/json-read.ts';
import { toMesosJson } from '../../src/proto/json-write.ts';
import { listWireNames, lookupWireName } from '../../src/proto/registry.ts';
import { findType, getDefaultRoot } from '../../src/proto/schema.ts';
import { hex, toHexString } from '../helpers/bytes.ts';
import { fixtureType } from './fixture-root.ts';

interface ErrorShape {
  code: string;
  offset?: number;
  detail?: Record<string, unknown>;
}

function expectError(fn: () => unknown, code: string, offset?: number): ErrorShape {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(isMesosWireError(caught), `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (offset !== undefined) assert.equal(caught.offset, offset);
  return caught as ErrorShape;
}

// StatusUpdateAcknowledgementMessage {slave_id "S", framework_id "F", task_id "T", uuid 0x01 x16}
const ACK = hex(
  '0a 03 0a 01 53 | 12 03 0a 01 46 | 1a 03 0a 01 54 | 22 10 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01',
);

describe('decodeBody', () => {
  it('decodes a libprocess body by wire name (literal bytes)', () => {
    const m = decodeBody('mesos.internal.StatusUpdateAcknowledgementMessage', ACK);
    assert.equal((m.slave_id as { value: string }).value, 'S');
    assert.equal((m.framework_id as { value: string }).value, 'F');
    assert.equal(toHexString(m.uuid as Uint8Array), '01'.repeat(16));
    assert.equal(
      toMesosJson(m, findType(getDefaultRoot(), 'mesos.internal.StatusUpdateAcknowledgementMessage')!),
      '{"slave_id":{"value":"S"},"framework_id":{"value":"F"},"task_id":{"value":"T"},"uuid":"AQEBAQEBAQEBAQEBAQEBAQ=="}',
    );
  });

  it('decodes the v0 SUBSCRIBE call with force (wire-protocol 3.5) and the v1 one', () => {
    const v0 = decodeBody('mesos.scheduler.Call', hex('10 01 1a 0e 0a 0a 0a 04 72 6f 6f 74 12 02 66 77 10 01'));
    assert.equal((v0.subscribe as { force: boolean }).force, true);
    const v1Type = findType(getDefaultRoot(), 'mesos.v1.scheduler.Call')!;
    const v1 = decodeWithType(v1Type, hex('10 01 1a 0c 0a 0a 0a 04 72 6f 6f 74 12 02 66 77'));
    assert.equal(
      toMesosJson(v1, v1Type),
      '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"fw","failover_timeout":0.0,"checkpoint":false}}}',
    );
  });

  it('wraps truncation as MW_PROTO_DECODE with the absolute offset', () => {
    expectError(
      () => decodeBody('mesos.internal.StatusUpdateAcknowledgementMessage', ACK.subarray(0, 20), { baseOffset: 100 }),
      'MW_PROTO_DECODE',
      117, // the uuid's value starts at 17 and 16 bytes are announced, 3 present
    );
  });

  it('rejects field number 0 at the tag, in types with fields and in field-less ones', () => {
    // protobufjs checks field 0 only in types that declare fields; RecoverRequest has none.
    expectError(
      () => decodeBody('mesos.internal.log.RecoverRequest', hex('01 00 00 00 00 00 00 00 00')),
      'MW_PROTO_DECODE',
      0,
    );
    expectError(() => decodeBody('mesos.internal.log.RecoverRequest', hex('80 00')), 'MW_PROTO_DECODE', 0);
    const withFields = hex(`${toHexString(ACK)} 05 00 00 00 00`);
    expectError(
      () => decodeBody('mesos.internal.StatusUpdateAcknowledgementMessage', withFields),
      'MW_PROTO_DECODE',
      ACK.length,
    );
    expectError(
      () => decodeBody('mesos.internal.StatusUpdateAcknowledgementMessage', hex('00'), { baseOffset: 40 }),
      'MW_PROTO_DECODE',
      40,
    );
  });

  it('bytes fields are views of the input: plain Uint8Array views of a plain input, Buffers of a Buffer', () => {
    // The ACK's uuid (field 4, 16 bytes) from inside a larger buffer: a view at the right place, no copy.
    const holder = new Uint8Array(ACK.length + 8);
    holder.set(ACK, 5);
    const input = holder.subarray(5, 5 + ACK.length);
    const m = decodeBody('mesos.internal.StatusUpdateAcknowledgementMessage', input) as unknown as { uuid: Uint8Array };
    assert.equal(m.uuid.constructor, Uint8Array);
    assert.equal(m.uuid.buffer, holder.buffer);
    assert.equal(m.uuid.byteOffset, 5 + ACK.length - 16);
    assert.equal(toHexString(m.uuid), toHexString(ACK.subarray(ACK.length - 16)));
    const fromBuffer = decodeBody('mesos.internal.StatusUpdateAcknowledgementMessage', Buffer.from(ACK)) as unknown as {
      uuid: Uint8Array;
    };
    assert.ok(Buffer.isBuffer(fromBuffer.uuid));
    assert.equal(toHexString(fromBuffer.uuid), toHexString(m.uuid));
  });

  it('reports a missing required field with the partial message', () => {
    const e = expectError(
      () => decodeBody('mesos.internal.StatusUpdateAcknowledgementMessage', ACK.subarray(0, 15)),
      'MW_PROTO_MISSING_REQUIRED',
      15,
    );
    assert.equal((e.detail!.partial as { task_id: { value: string } }).task_id.value, 'T');
  });

  it('stops at the nesting limit with MW_PROTO_TOO_DEEP', () => {
    const Deep = fixtureType('mwtest.Deep');
    let bytes = hex('10 01');
    for (let i = 0; i < 5; i++) bytes = Uint8Array.from([0x0a, bytes.length, ...bytes]);
    assert.deepEqual(Object.keys(decodeWithType(Deep, bytes, { maxDepth: 5 })), ['next']);
    expectError(() => decodeWithType(Deep, bytes, { maxDepth: 4 }), 'MW_PROTO_TOO_DEEP');
  });

  it('v1 types (built on first use) enforce required fields and keep unknown enum numbers', () => {
    const call = findType(getDefaultRoot(), 'mesos.v1.executor.Call')!;
    // executor_id (1) and framework_id (2) are required
    expectError(() => decodeWithType(call, hex('18 04')), 'MW_PROTO_MISSING_REQUIRED', 2);
    const event = findType(getDefaultRoot(), 'mesos.v1.scheduler.Event')!;
    const m = decodeWithType(event, hex('08 63'));
    assert.equal(toMesosJson(m, event), '{"$unknown":[{"number":1,"name":"type","wire_type":0,"value":99}]}');
  });

  it('names unknown types MW_PROTO_UNKNOWN_TYPE', () => {
    expectError(() => decodeBody('mesos.internal.NoSuchMessage', hex('08 01')), 'MW_PROTO_UNKNOWN_TYPE');
    expectError(() => decodeBody('not a name', hex('')), 'MW_PROTO_UNKNOWN_TYPE');
  });

  it('PING: empty body is raw, a non-empty body is a PingSlaveMessage; PONG is raw', () => {
    assert.deepEqual(tryDecodeBody('PING', hex('')), { kind: 'raw', wireName: 'PING' });
    assert.deepEqual(tryDecodeBody('PONG', hex('')), { kind: 'raw', wireName: 'PONG' });
    const r = tryDecodeBody('PING', hex('08 01'));
    assert.equal(r.kind, 'message');
    if (r.kind === 'message') {
      assert.equal(r.typeName, 'mesos.internal.PingSlaveMessage');
      assert.equal(r.message.connected, true);
    }
    const pong = tryDecodeBody('PONG', hex('08 01'));
    assert.equal(pong.kind, 'schemaless');
  });

  it('keeps unknown fields, unknown enum numbers and wrong wire types visible', () => {
    // TaskStatus: task_id "a", state TASK_RUNNING(1), field 99 varint 5, healthy (8) as len, latest_state? no:
    // source (9) = 77 (not a Source value).
    const T = findType(getDefaultRoot(), 'mesos.TaskStatus')!;
    const bytes = hex('0a 03 0a 01 61 | 10 01 | 98 06 05 | 42 01 00 | 48 4d');
    const m = decodeWithType(T, bytes);
    assert.equal(unknownFieldsOf(m).length, 3);
    assert.equal(
      toMesosJson(m, T),
      '{"task_id":{"value":"a"},"state":"TASK_RUNNING","$unknown":[' +
        '{"number":99,"wire_type":0,"value":5},' +
        '{"number":8,"name":"healthy","wire_type":2,"value":"AA=="},' +
        '{"number":9,"name":"source","wire_type":0,"value":77}]}',
    );
    // and they survive a binary round trip
    assert.equal(toHexString(encodeMessage(m, T)).length, toHexString(bytes).length);
  });

  it('fieldAnomalies names known fields kept as unknown: wrong wire types and undefined enum numbers, nested too', () => {
    const T = findType(getDefaultRoot(), 'mesos.TaskStatus')!;
    // task_id "a", state 1, healthy (8) as len, source (9) = 77, check_status (15) {type (1) = 99, command (2) as varint}
    const m = decodeWithType(T, hex('0a 03 0a 01 61 | 10 01 | 42 01 00 | 48 4d | 7a 04 08 63 10 05'));
    assert.deepEqual(fieldAnomalies(m, T), [
      { path: 'healthy', number: 8, kind: 'wire-type', wireType: 2, expectedWireType: 0 },
      { path: 'source', number: 9, kind: 'enum-value', wireType: 0, expectedWireType: 0 },
      { path: 'check_status.type', number: 1, kind: 'enum-value', wireType: 0, expectedWireType: 0 },
      { path: 'check_status.command', number: 2, kind: 'wire-type', wireType: 0, expectedWireType: 2 },
    ]);
    assert.deepEqual(fieldAnomalies(decodeWithType(T, hex('0a 03 0a 01 61 | 10 01')), T), []);
  });
});

describe('tryDecodeBody', () => {
  it('falls back to schema-less fields with the error for undecodable bodies', () => {
    const r = tryDecodeBody('mesos.internal.StatusUpdateAcknowledgementMessage', ACK.subarray(0, 20), {
      baseOffset: 7,
    });
    assert.equal(r.kind, 'schemaless');
    if (r.kind !== 'schemaless') return;
    assert.equal(r.error.code, 'MW_PROTO_DECODE');
    assert.equal(r.fields.length, 3);
    assert.equal(r.fields[0]!.offset, 7);
    assert.equal(r.schemalessError?.code, 'MW_PROTO_DECODE');
    assert.equal(r.schemalessError?.offset, 7 + 16); // the length prefix that overruns
  });

  it('falls back for unknown names', () => {
    const r = tryDecodeBody('com.example.Custom', hex('0a 02 68 69'));
    assert.equal(r.kind, 'schemaless');
    if (r.kind !== 'schemaless') return;
    assert.equal(r.error.code, 'MW_PROTO_UNKNOWN_TYPE');
    assert.equal(r.schemalessError, undefined);
    assert.equal(r.fields.length, 1);
  });

  it('whatever decodes also writes as Mesos JSON and reads back to the same JSON', () => {
    const names = listWireNames().filter((n) => lookupWireName(n)?.type !== undefined);
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.uint8Array({ maxLength: 40 }), (name, bytes) => {
        const r = tryDecodeBody(name, bytes);
        if (r.kind !== 'message') return;
        const json = toMesosJson(r.message, r.type);
        const again = decodeWithType(r.type, fromMesosJson(json, r.type));
        assert.equal(toMesosJson(again, r.type), json);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random bodies for any catalog name', () => {
    const names = listWireNames();
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.uint8Array({ maxLength: 48 }), (name, bytes) => {
        const r = tryDecodeBody(name, bytes);
        if (r.kind === 'schemaless') {
          assert.ok(isMesosWireError(r.error));
          if (r.schemalessError) assert.ok(isMesosWireError(r.schemalessError));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('decodeBody on every prefix', () => {
  it('a cut body never decodes silently: MW_PROTO_DECODE or MW_PROTO_MISSING_REQUIRED at or before the cut', () => {
    for (let cut = 0; cut < ACK.length; cut++) {
      let caught: unknown;
      try {
        decodeBody('mesos.internal.StatusUpdateAcknowledgementMessage', ACK.subarray(0, cut), { baseOffset: 50 });
      } catch (e) {
        caught = e;
      }
      assert.ok(isMesosWireError(caught), `cut ${cut}`);
      assert.ok(['MW_PROTO_DECODE', 'MW_PROTO_MISSING_REQUIRED'].includes(caught.code), `cut ${cut}`);
      assert.ok(caught.offset! >= 50 && caught.offset! <= 50 + cut, `cut ${cut}: ${caught.offset}`);
    }
  });
});
