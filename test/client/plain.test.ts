import assert from 'node:assert/strict';
import { test } from 'node:test';
import { v1Type } from '../../src/client/codec.ts';
import { decodeBody, encodeBody, fromPlain, type PlainMessage } from '../../src/client/index.ts';
import { isMesosWireError } from '../../src/errors.ts';
import { toHexString } from '../helpers/bytes.ts';

const CALL = v1Type('mesos.v1.scheduler.Call');
const SUBSCRIBE: PlainMessage = { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'fw' } } };

test('encodeBody: the minimal SUBSCRIBE as protobuf and as Mesos JSON (wire-protocol.md §4.4, §4.9)', () => {
  assert.equal(toHexString(encodeBody(SUBSCRIBE, CALL, 'protobuf')), '10011a0c0a0a0a04726f6f7412026677');
  assert.equal(
    new TextDecoder().decode(encodeBody(SUBSCRIBE, CALL, 'json')),
    '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"fw","failover_timeout":0.0,"checkpoint":false}}}',
  );
});

test('decodeBody gives the same plain object from both encodings; 64-bit values stay exact', () => {
  const call: PlainMessage = {
    type: 'ACKNOWLEDGE',
    framework_id: { value: 'f' },
    acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: new Uint8Array([1, 2, 3, 4]) },
  };
  for (const codec of ['json', 'protobuf'] as const) {
    assert.deepEqual(decodeBody(encodeBody(call, CALL, codec), CALL, codec), call, codec);
  }
  const range = v1Type('mesos.v1.Value.Range');
  const big: PlainMessage = { begin: 18446744073709551615n, end: '18446744073709551615' };
  for (const codec of ['json', 'protobuf'] as const) {
    assert.deepEqual(decodeBody(encodeBody(big, range, codec), range, codec), {
      begin: 18446744073709551615n,
      end: 18446744073709551615n,
    });
  }
});

test('fromPlain rejects what would silently vanish: unknown fields, bad enum names, non-integers', () => {
  const cases: [PlainMessage, RegExp][] = [
    [{ type: 'SUBSCRIBE', subscrib: {} }, /has no field 'subscrib'/],
    [{ type: 'SUBSCRIBED' }, /'type': SUBSCRIBED is not a value of Type/],
    [{ type: 'REVIVE', revive: { roles: 'x' } }, /'revive.roles' is repeated/],
  ];
  for (const [plain, message] of cases) {
    assert.throws(
      () => fromPlain(plain, CALL),
      (error: unknown) =>
        isMesosWireError(error) && error.code === 'MW_INVALID_ARGUMENT' && message.test(error.message),
    );
  }
  const range = v1Type('mesos.v1.Value.Range');
  assert.throws(() => fromPlain({ begin: 1.5, end: 2 }, range), /'begin' must be an integer/);
});
