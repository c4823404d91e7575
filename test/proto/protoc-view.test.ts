import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { allTypes, getDefaultRoot, pb } from '../../src/proto/schema.ts';

interface ProtocField {
  name: string;
  id: number;
  rule?: string;
  map?: boolean;
  keyType?: string;
  type: string;
}

// protoc's view of every field (fixtures/proto/field-types.json, made by the schemas'
// scripts/make-proto-vectors.ts): the runtime bundle must resolve every field the same way.
const PROTOC = JSON.parse(readFileSync(new URL('../../fixtures/proto/field-types.json', import.meta.url), 'utf8')) as {
  messages: Record<string, ProtocField[]>;
};

describe('the runtime bundle against protoc', () => {
  it('has the same messages, fields, numbers, labels and resolved types', () => {
    const types = new Map(allTypes(getDefaultRoot()).map((t) => [t.fullName.slice(1), t]));
    const mismatches: string[] = [];
    for (const [name, fields] of Object.entries(PROTOC.messages)) {
      const type = types.get(name);
      if (type === undefined) {
        mismatches.push(`${name}: missing`);
        continue;
      }
      const ours = type.fieldsArray.map((f) => {
        f.resolve();
        const resolved = f.resolvedType;
        const out: ProtocField = {
          name: f.name,
          id: f.id,
          type: resolved === null ? f.type : resolved.fullName.slice(1),
        };
        if (f instanceof pb.MapField) {
          out.map = true;
          out.keyType = (f as unknown as { keyType: string }).keyType;
        } else out.rule = f.repeated ? 'repeated' : f.required ? 'required' : 'optional';
        return out;
      });
      const theirs = fields.map(({ name: n, id, rule, map, keyType, type: t }) =>
        map === true ? { name: n, id, type: t, map, keyType } : { name: n, id, type: t, rule },
      );
      try {
        assert.deepEqual(ours, theirs);
      } catch {
        mismatches.push(name);
      }
    }
    assert.deepEqual(mismatches, []);
    assert.ok(Object.keys(PROTOC.messages).length > 800);
  });
});
