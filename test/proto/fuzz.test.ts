import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import { fromMesosJson } from '../../src/proto/json-read.ts';
import { parseResources } from '../../src/proto/resources.ts';
import { findType, getDefaultRoot } from '../../src/proto/schema.ts';

/** Runs fn; any throw must be a MesosWireError. */
function onlyMesosWireErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    assert.ok(isMesosWireError(e), `non-MW error: ${String(e)}`);
    assert.ok(typeof e.offset === 'number' || e.code === 'MW_PROTO_MISSING_REQUIRED', `${e.code} without offset`);
  }
}

const TYPES = [
  'mesos.internal.StatusUpdateMessage',
  'mesos.v1.scheduler.Call',
  'mesos.Resource',
  'mesos.FrameworkInfo',
];

describe('input fuzzing (bounded)', () => {
  it('fromMesosJson on arbitrary JSON and arbitrary text throws only MesosWireError with an offset', () => {
    const types = TYPES.map((n) => findType(getDefaultRoot(), n)!);
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.oneof(fc.json(), fc.string({ maxLength: 40 })), (type, text) => {
        onlyMesosWireErrors(() => fromMesosJson(text, type));
      }),
      { numRuns: 1500 },
    );
  });

  it('fromMesosJson on objects shaped like the schema', () => {
    const type = findType(getDefaultRoot(), 'mesos.FrameworkInfo')!;
    const value = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
      fc.dictionary(fc.constantFrom('value', 'type', 'name'), fc.string({ maxLength: 4 })),
    );
    const keys = type.fieldsArray.map((f) => f.name);
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), value), (obj) => {
        onlyMesosWireErrors(() => fromMesosJson(JSON.stringify(obj), type));
      }),
      { numRuns: 1500 },
    );
  });

  it('parseResources on arbitrary text throws only MW_RESOURCES_PARSE', () => {
    const alphabet = fc.constantFrom(...'cpus:;()[]{}-,0123456789. *"'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: alphabet, maxLength: 30 })), (text) => {
        try {
          parseResources(text);
        } catch (e) {
          assert.ok(isMesosWireError(e), String(e));
          assert.equal(e.code, 'MW_RESOURCES_PARSE', e.message);
          assert.ok(e.offset! >= 0 && e.offset! <= text.length);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
