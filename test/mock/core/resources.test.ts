import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  addResources,
  agentResources,
  containsResources,
  downgradeResource,
  formatResources,
  parseResourcesText,
  type Resource,
  subtractResources,
  upgradeResource,
} from '../../../src/mock/core/index.ts';

const cpus = (value: number, role?: string): Resource => ({
  name: 'cpus',
  type: 'SCALAR',
  scalar: { value },
  ...(role === undefined ? {} : { reservations: [{ type: 'STATIC' as const, role }] }),
});

describe('resources text (the agent --resources notation)', () => {
  it('parses scalars, ranges, sets and static reservations', () => {
    const parsed = parseResourcesText(
      'cpus:4;mem:8192;disk:10000;ports:[31000-32000, 4000-4001];gpus(ml):2;zones:{a,b}',
    );
    assert.deepEqual(parsed, [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 8192 } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 10000 } },
      // Ranges come sorted and coalesced.
      {
        name: 'ports',
        type: 'RANGES',
        ranges: {
          range: [
            { begin: 4000, end: 4001 },
            { begin: 31000, end: 32000 },
          ],
        },
      },
      { name: 'gpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'ml' }] },
      { name: 'zones', type: 'SET', set: { item: ['a', 'b'] } },
    ]);
  });

  it('applies the default role and accepts the JSON array form', () => {
    assert.deepEqual(parseResourcesText('cpus:1', 'r')[0]!.reservations, [{ type: 'STATIC', role: 'r' }]);
    const json = parseResourcesText('[{"name":"cpus","type":"SCALAR","scalar":{"value":2}}]');
    assert.deepEqual(json[0], { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } });
  });

  it('rejects malformed text with MW_RESOURCES_PARSE at the offset of the fault', () => {
    const cases: [string, number, RegExp][] = [
      ['cpus:4;mem', 7, /missing or extra ':'/],
      ['cpus:4;a:b:c', 7, /missing or extra ':'/],
      ['cpus(r:1', 4, /mismatched parentheses/],
      ['cpus:abc', 5, /scalar/],
      ['cpus:-1', 5, /value < 0/],
      ['ports:[1-2', 6, /Mismatched brackets/],
      ['ports:[1-2-3]', 6, /ranges/],
      ['mem:1;ports:[a-b]', 12, /non-negative integers/],
      ['x:1[2]', 2, /Unexpected '\['/],
      ['cpus:1;cpus:[1-2]', 7, /different types/],
    ];
    for (const [text, offset, message] of cases) {
      assert.throws(
        () => parseResourcesText(text),
        (e: { code?: string; offset?: number; message?: string }) =>
          e.code === 'MW_RESOURCES_PARSE' && e.offset === offset && message.test(e.message ?? ''),
        text,
      );
    }
  });
});

describe('agent resources defaults (Containerizer::resources)', () => {
  it('fills cpus, mem, disk and ports the text leaves out', () => {
    assert.equal(formatResources(agentResources('')), 'cpus:1; mem:1024; disk:10240; ports:[31000-32000]');
    assert.equal(formatResources(agentResources('mem:512')), 'mem:512; cpus:1; disk:10240; ports:[31000-32000]');
    assert.equal(
      formatResources(agentResources('cpus(prod):2;gpus:1')),
      'cpus(prod):2; gpus:1; mem:1024; disk:10240; ports:[31000-32000]',
    );
  });

  it('a name given as empty counts as given (cpus:0 leaves the agent without cpus)', () => {
    assert.equal(formatResources(agentResources('cpus:0;ports:[]')), 'mem:1024; disk:10240');
  });

  it('defaults take the agent --default_role, and can be overridden', () => {
    assert.equal(
      formatResources(agentResources('cpus:2', 'web', { memMb: 4096, diskMb: 1, ports: { begin: 1, end: 9 } })),
      'cpus(web):2; mem(web):4096; disk(web):1; ports(web):[1-9]',
    );
  });
});

describe('resource arithmetic', () => {
  it('adds, subtracts and compares by name and reservation, with three-decimal scalars', () => {
    const a = [cpus(0.1), cpus(0.2), cpus(2, 'r')];
    assert.equal(formatResources(a), 'cpus:0.3; cpus(r):2');
    assert.ok(containsResources(a, [cpus(0.3)]));
    assert.ok(!containsResources(a, [cpus(0.31)]));
    assert.ok(!containsResources([cpus(5)], [cpus(1, 'r')]));
    assert.equal(formatResources(subtractResources(a, [cpus(0.3), cpus(1, 'r')])), 'cpus(r):1');
  });

  it('splits and merges port ranges', () => {
    const ports = (...r: [number, number][]): Resource => ({
      name: 'ports',
      type: 'RANGES',
      ranges: { range: r.map(([begin, end]) => ({ begin, end })) },
    });
    const left = subtractResources([ports([31000, 32000])], [ports([31000, 31000], [31500, 31600])]);
    assert.equal(formatResources(left), 'ports:[31001-31499, 31601-32000]');
    assert.equal(formatResources(addResources(left, [ports([31000, 31000], [31500, 31600])])), 'ports:[31000-32000]');
    assert.ok(containsResources([ports([1, 10])], [ports([2, 3], [9, 10])]));
    assert.ok(!containsResources([ports([1, 10])], [ports([9, 11])]));
  });

  it('converts between the pre- and post-refinement forms', () => {
    const dynamic: Resource = {
      name: 'mem',
      type: 'SCALAR',
      scalar: { value: 1 },
      role: 'db',
      reservation: { principal: 'p' },
    };
    const up = upgradeResource(dynamic);
    assert.deepEqual(up, {
      name: 'mem',
      type: 'SCALAR',
      scalar: { value: 1 },
      reservations: [{ type: 'DYNAMIC', role: 'db', principal: 'p' }],
    });
    assert.deepEqual(downgradeResource(up), dynamic);
    assert.deepEqual(downgradeResource(cpus(1)), { ...cpus(1), role: '*' });
    assert.deepEqual(upgradeResource({ ...cpus(1), role: '*', allocation_info: { role: 'x' } }), cpus(1));
  });

  it('(a + b) - b == a and a + b contains a (property)', () => {
    const scalarArb = fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000);
    const list = fc.array(
      fc
        .record({ value: scalarArb, role: fc.constantFrom(undefined, 'r') })
        .map(({ value, role }) => cpus(value, role)),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(list, list, (a, b) => {
        const sum = addResources(a, b);
        assert.ok(containsResources(sum, a));
        assert.equal(formatResources(subtractResources(sum, b)), formatResources(addResources(a, [])));
      }),
      { numRuns: 200 },
    );
  });
});
