import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { allTypes, FIXTURES_DIR, loadSchemas } from './schema-root.ts';

// protoc's view of proto/, written by scripts/make-proto-vectors.ts.
interface FieldTypes {
  messages: Record<string, Record<string, unknown>[]>;
  enums: Record<string, Record<string, number>>;
  files: Record<string, string>;
}
const expected = JSON.parse(readFileSync(join(FIXTURES_DIR, 'field-types.json'), 'utf8')) as FieldTypes;

/** The same description of a field as the fixture, from protobufjs's resolved reflection. */
function describeField(field: protobuf.Field): Record<string, unknown> {
  const typeOf = (): string => (field.resolvedType ? field.resolvedType.fullName.slice(1) : field.type);
  const kindOf = (): string | undefined =>
    field.resolvedType instanceof protobuf.Enum ? 'enum' : field.resolvedType ? 'message' : undefined;
  if (field instanceof protobuf.MapField) {
    const out: Record<string, unknown> = { name: field.name, id: field.id, map: true, keyType: field.keyType };
    out.type = typeOf();
    if (kindOf()) out.kind = kindOf();
    return out;
  }
  const out: Record<string, unknown> = {
    name: field.name,
    id: field.id,
    rule: field.repeated ? 'repeated' : field.required ? 'required' : 'optional',
    type: typeOf(),
  };
  if (kindOf()) out.kind = kindOf();
  const options = field.options ?? {};
  if (options.default !== undefined) out.default = String(options.default);
  if (options.packed !== undefined) out.packed = options.packed;
  if (options.deprecated !== undefined) out.deprecated = options.deprecated;
  if (field.partOf) out.oneof = field.partOf.name;
  return out;
}

describe('protobufjs resolves every field as protoc does (fixtures/proto/field-types.json)', () => {
  const { root } = loadSchemas();
  const { types, enums } = allTypes(root);

  it('knows the same message types as protoc', () => {
    const ours = types.map((t) => t.fullName.slice(1)).sort();
    assert.deepEqual(ours, Object.keys(expected.messages).sort());
  });

  it('gives every field of every message the name, number, rule, resolved type, default and options protoc gives', () => {
    let fields = 0;
    const mismatches: string[] = [];
    for (const [name, protocFields] of Object.entries(expected.messages)) {
      const type = root.lookupType(name);
      const ours = type.fieldsArray.map(describeField);
      if (JSON.stringify(ours.map((f) => f.name)) !== JSON.stringify(protocFields.map((f) => f.name))) {
        mismatches.push(`${name}: field order ${ours.map((f) => f.name)} vs ${protocFields.map((f) => f.name)}`);
        continue;
      }
      protocFields.forEach((protocField, i) => {
        fields++;
        try {
          assert.deepStrictEqual(ours[i], protocField);
        } catch {
          mismatches.push(`${name}.${protocField.name}: ${JSON.stringify(ours[i])} vs ${JSON.stringify(protocField)}`);
        }
      });
    }
    assert.deepEqual(mismatches, []);
    assert.equal(fields, Object.values(expected.messages).flat().length);
    assert.ok(fields > 2600, `only ${fields} fields compared`);
  });

  it('defines every message in the file protoc saw it in', () => {
    for (const type of types) {
      const file = expected.files[type.fullName.slice(1)];
      assert.ok(file, type.fullName);
      if (file.startsWith('google/')) continue;
      assert.ok(type.filename?.endsWith(`/proto/${file}`), `${type.fullName}: ${type.filename} vs ${file}`);
    }
  });

  it('has the same enums and values as protoc', () => {
    const ours = Object.fromEntries(enums.map((e) => [e.fullName.slice(1), { ...e.values }]));
    assert.deepStrictEqual(ours, expected.enums);
  });
});
