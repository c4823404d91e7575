import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeWithType } from '../../src/proto/decode.ts';
import { encodeMessage, fromMesosJson } from '../../src/proto/json-read.ts';
import { toMesosJson } from '../../src/proto/json-write.ts';
import { listWireNames, lookupWireName, typeForEndpoint, V1_ENDPOINTS } from '../../src/proto/registry.ts';
import type { PbType } from '../../src/proto/schema.ts';
import { toHexString } from '../helpers/bytes.ts';
import { randomMessage, rng } from './random-message.ts';

/** Every type the registry hands out: catalog bodies and v1 endpoint bodies. */
function registeredTypes(): PbType[] {
  const types = new Map<string, PbType>();
  for (const name of listWireNames()) {
    const info = lookupWireName(name)!;
    if (info.type !== undefined) types.set(info.type.fullName, info.type);
  }
  for (const key of Object.keys(V1_ENDPOINTS)) {
    const [path, server] = key.split('#') as [string, 'master' | 'agent' | undefined];
    for (const dir of ['request', 'response', 'event'] as const) {
      const t = typeForEndpoint(path, dir, server === undefined ? {} : { server });
      if (t?.type !== undefined) types.set(t.type.fullName, t.type);
    }
  }
  return [...types.values()];
}

describe('every registered type round trips', () => {
  const types = registeredTypes();

  it('covers the catalog and the v1 endpoints', () => {
    // 79 protobuf rows in the catalog (PING carries PingSlaveMessage, already counted) + 12 v1 bodies
    assert.ok(types.length >= 85, String(types.length));
  });

  for (const type of types) {
    it(type.fullName.slice(1), () => {
      const r = rng(type.fullName.length * 7919 + 17);
      for (let i = 0; i < 4; i++) {
        const original = randomMessage(type, r);
        const bytes = encodeMessage(original, type);
        const decoded = decodeWithType(type, bytes);
        // binary: decode then encode gives the same bytes
        assert.equal(toHexString(encodeMessage(decoded, type)), toHexString(bytes));
        // JSON: the decoded message writes what the original writes
        const json = toMesosJson(decoded, type);
        assert.equal(json, toMesosJson(original, type));
        // JSON -> bytes -> JSON is stable (defaults written once are then set)
        const again = toMesosJson(decodeWithType(type, fromMesosJson(json, type)), type);
        assert.equal(again, json);
        // the alphabetical variant describes the same message
        const alpha = toMesosJson(decoded, type, { keyOrder: 'alphabetical' });
        assert.equal(toMesosJson(decodeWithType(type, fromMesosJson(alpha, type)), type), json);
      }
    });
  }
});
