import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeWithType } from '../../src/proto/decode.ts';
import { encodeMessage } from '../../src/proto/json-read.ts';
import { toMesosJson } from '../../src/proto/json-write.ts';
import {
  coalesceRanges,
  combineResources,
  formatResources,
  formatScalar,
  parseResources,
  type ResourceMessage,
  summarizeResources,
} from '../../src/proto/resources.ts';
import { findType, getDefaultRoot } from '../../src/proto/schema.ts';

function errorOf(fn: () => unknown): { code: string; offset: number; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; offset: number; message: string };
  }
  throw new Error('expected an error');
}

describe('parseResources (simple form)', () => {
  it('parses the agent example', () => {
    assert.deepEqual(parseResources('cpus:4;mem:1024;disk:1000;ports:[31000-32000];gpus:1'), [
      { name: 'cpus', type: 0, scalar: { value: 4 } },
      { name: 'mem', type: 0, scalar: { value: 1024 } },
      { name: 'disk', type: 0, scalar: { value: 1000 } },
      { name: 'ports', type: 1, ranges: { range: [{ begin: 31000n, end: 32000n }] } },
      { name: 'gpus', type: 0, scalar: { value: 1 } },
    ]);
  });

  it('roles become STATIC reservations; the default role applies to the rest', () => {
    assert.deepEqual(parseResources(' cpus ( ops ) : 2 ; mem:0.5', { defaultRole: 'web' }), [
      { name: 'cpus', type: 0, scalar: { value: 2 }, reservations: [{ type: 1, role: 'ops' }] },
      { name: 'mem', type: 0, scalar: { value: 0.5 }, reservations: [{ type: 1, role: 'web' }] },
    ]);
    assert.deepEqual(parseResources('cpus(*):1'), [{ name: 'cpus', type: 0, scalar: { value: 1 } }]);
    assert.deepEqual(parseResources('cpus(a/b):1')[0]!.reservations, [{ type: 1, role: 'a/b' }]);
  });

  it('sets, coalesced ranges, spaces and empty tokens like Mesos', () => {
    assert.deepEqual(parseResources('zones:{ a , b,c};;ports:[5-6, 1-2,3-3, 10-20];x::1'), [
      { name: 'zones', type: 2, set: { item: ['a', 'b', 'c'] } },
      {
        name: 'ports',
        type: 1,
        ranges: {
          range: [
            { begin: 1n, end: 3n },
            { begin: 5n, end: 6n },
            { begin: 10n, end: 20n },
          ],
        },
      },
      { name: 'x', type: 0, scalar: { value: 1 } },
    ]);
    assert.deepEqual(parseResources('big:[0-18446744073709551615]')[0]!.ranges, {
      range: [{ begin: 0n, end: 18446744073709551615n }],
    });
  });

  it('reports errors with the offset of the token at fault', () => {
    const cases: [string, number, RegExp][] = [
      ['cpus:4;mem', 7, /missing or extra ':'/],
      ['cpus:4;mem:1:2', 7, /missing or extra ':'/],
      ['cpus:4;mem(r:1', 10, /mismatched parentheses/],
      ['cpus:x', 5, /as scalar/],
      ['cpus:-1', 5, /value < 0/],
      ['cpus:inf', 5, /as scalar/],
      ['ports:[1-2', 6, /Mismatched brackets/],
      ['ports:[1-2,3]', 6, /ranges/],
      ['ports:[a-2]', 6, /non-negative integers in 'a'/],
      ['ports:[5-1]', 6, /begin > end/],
      ['ports:1[1-2]', 6, /Unexpected '\['/],
      ['s:a{b}', 2, /Unexpected '\{'/],
      ['s:{a,a}', 2, /duplicated/],
      ['cpus:   ', 5, /non-empty/],
      ['(r):1', 0, /Empty resource name/],
      ['cpus(-x):1', 4, /-/],
      ['cpus:1;cpus:[1-2]', 7, /different types/],
    ];
    for (const [text, offset, message] of cases) {
      const e = errorOf(() => parseResources(text));
      assert.equal(e.code, 'MW_RESOURCES_PARSE', text);
      assert.equal(e.offset, offset, text);
      assert.match(e.message, message, text);
    }
  });
});

describe('parseResources (JSON form)', () => {
  it('reads a JSON array of Resource in Mesos JSON', () => {
    const text =
      '[{"name":"cpus","type":"SCALAR","scalar":{"value":"2"}},' +
      '{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":9}]},"role":"r"}]';
    assert.deepEqual(parseResources(text, { defaultRole: 'd' }), [
      { name: 'cpus', type: 0, scalar: { value: 2 }, reservations: [{ type: 1, role: 'd' }] },
      { name: 'ports', type: 1, ranges: { range: [{ begin: 1n, end: 9n }] }, role: 'r' },
    ]);
  });

  it('wraps JSON errors as MW_RESOURCES_PARSE with the offset', () => {
    const e = errorOf(() => parseResources('[{"name":"cpus","type":"SCALAR","scalar":{"value":true}}]'));
    assert.equal(e.code, 'MW_RESOURCES_PARSE');
    assert.equal(e.offset, 50);
    const missing = errorOf(() => parseResources('[{"name":"cpus"}]'));
    assert.equal(missing.code, 'MW_RESOURCES_PARSE');
    assert.equal(missing.offset, 1);
    const bad = errorOf(() => parseResources('[{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}]'));
    assert.match(bad.message, /value < 0/);
  });
});

describe('formatting', () => {
  it('formats the --resources notation and parses back', () => {
    const text = 'cpus:4;mem:1024.5;ports(r):[31000-32000,40000-40010];zones:{a,b}';
    const parsed = parseResources(text);
    assert.equal(formatResources(parsed), text);
  });

  it('combineResources gives what Resources::parse returns: empties dropped, equal identities added', () => {
    const text =
      'cpus:1;cpus:2.5;mem:0;ports:[1-2];ports:[3-5,10-11];disks:{a};disks:{b,a};cpus(r):1;cpus:0.1;cpus:0.2';
    const tokens = parseResources(text);
    assert.equal(tokens.length, 10);
    const combined = combineResources(tokens);
    assert.equal(formatResources(combined), 'cpus:3.8;ports:[1-5,10-11];disks:{a,b};cpus(r):1');
    // the tokens are left as they were
    assert.equal(formatResources(tokens), text);
    assert.equal(formatResources(combineResources(parseResources('cpus:0.1;cpus:0.2'))), 'cpus:0.3');
    assert.deepEqual(combineResources(parseResources('cpus:0;ports:[];s:{}')), []);
  });

  it('summarises decoded Resource messages', () => {
    const T = findType(getDefaultRoot(), 'mesos.Resource')!;
    const resources = parseResources('cpus(ops):2;ports:[1-3]');
    const decoded = resources.map((r) => decodeWithType(T, encodeMessage(r, T)) as unknown as ResourceMessage);
    assert.equal(summarizeResources(decoded), 'cpus(ops):2;ports:[1-3]');
    assert.equal(
      toMesosJson(decoded[0]!, T),
      '{"name":"cpus","type":"SCALAR","scalar":{"value":2.0},"reservations":[{"type":"STATIC","role":"ops"}]}',
    );
    const fancy: ResourceMessage = {
      name: 'disk',
      type: 0,
      scalar: { value: 10 },
      reservations: [{ type: 2, role: 'r', principal: 'p' }],
      disk: { persistence: { id: 'vol1' } },
      revocable: {},
      shared: {},
      allocation_info: { role: 'r' },
    };
    assert.equal(summarizeResources([fancy]), 'disk(r)(dynamic)(allocated: r)[vol1]{REV}<SHARED>:10');
  });

  it('scalars and ranges', () => {
    assert.equal(formatScalar(0.1 + 0.2), '0.3');
    assert.equal(formatScalar(1024), '1024');
    assert.deepEqual(
      coalesceRanges([
        { begin: 4n, end: 5n },
        { begin: 1n, end: 3n },
      ]),
      [{ begin: 1n, end: 5n }],
    );
  });
});
