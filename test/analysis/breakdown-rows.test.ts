/** BreakdownRows: exact counts within the limit, and beyond it the rows a full table would list first. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type BreakdownRow, BreakdownRows } from '../../src/analysis/breakdown-rows.ts';

/** The full table's order: most items first, then by key. */
function listed(rows: BreakdownRow[]): BreakdownRow[] {
  return [...rows].sort((a, b) => b.items - a.items || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A plain count of the same items. */
function plainCount(items: [string, number][]): BreakdownRow[] {
  const map = new Map<string, BreakdownRow>();
  for (const [key, wire] of items) {
    const row = map.get(key) ?? { key, items: 0, wireBytes: 0 };
    row.items++;
    row.wireBytes += wire;
    map.set(key, row);
  }
  return listed([...map.values()]);
}

/**
 * A capture-like run: connections open one after another (at most `open` at a time), each counts items under its
 * own two keys (one per direction) and closes; the keys of different connections never repeat.
 */
const captureRun = fc
  .record({
    connections: fc.array(fc.array(fc.tuple(fc.boolean(), fc.nat(500)), { maxLength: 12 }), { maxLength: 40 }),
    open: fc.integer({ min: 1, max: 5 }),
    maxRows: fc.integer({ min: 0, max: 30 }),
    order: fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
  })
  .map(({ connections, open, maxRows, order }) => {
    // Interleave the items of up to `open` connections, closing each after its last item.
    type Step = { connection: number; key?: string; wire?: number; close?: true };
    const steps: Step[] = [];
    const queues = connections.map((items, c) => [
      ...items.map(([back, wire]) => ({ connection: c + 1, key: back ? `s>c${c + 1}` : `c${c + 1}>s`, wire })),
      { connection: c + 1, close: true as const },
    ]);
    let next = 0;
    const active: Step[][] = [];
    let pick = 0;
    while (next < queues.length || active.length > 0) {
      while (active.length < open && next < queues.length) active.push(queues[next++]!);
      const index = order[pick++ % order.length]! % active.length;
      const step = active[index]!.shift()!;
      steps.push(step);
      if (active[index]!.length === 0) active.splice(index, 1);
    }
    return { steps, maxRows };
  });

describe('BreakdownRows', () => {
  it('closable: after every connection closed, the rows kept are the first maxRows of the full table (fast-check)', () => {
    fc.assert(
      fc.property(captureRun, ({ steps, maxRows }) => {
        const table = new BreakdownRows({ maxRows, closable: true });
        const items: [string, number][] = [];
        let inUse = new Set<number>();
        for (const step of steps) {
          if (step.close) {
            table.close(step.connection);
            inUse.delete(step.connection);
          } else {
            table.bump(step.key!, step.wire!, step.connection);
            items.push([step.key!, step.wire!]);
            inUse.add(step.connection);
          }
          // Never more rows than the limit plus the two keys of each connection still open.
          assert.ok(table.size <= maxRows + 2 * inUse.size, `${table.size} rows, limit ${maxRows}`);
        }
        inUse = new Set();
        const full = plainCount(items);
        assert.deepEqual(table.sorted(), full.slice(0, maxRows));
        const dropped = full.slice(maxRows);
        assert.deepEqual(table.omitted, {
          rows: dropped.length,
          items: dropped.reduce((n, r) => n + r.items, 0),
          wireBytes: dropped.reduce((n, r) => n + r.wireBytes, 0),
        });
      }),
      { numRuns: 400 },
    );
  });

  it('without a limit reached, counts equal a plain count whatever the keys (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.nat(100), fc.option(fc.integer({ min: 1, max: 4 }))), {
          maxLength: 200,
        }),
        (items) => {
          const table = new BreakdownRows({ maxRows: 1000, closable: true });
          for (const [key, wire, connection] of items) table.bump(key, wire, connection ?? undefined);
          for (let c = 1; c <= 4; c++) table.close(c);
          assert.deepEqual(table.sorted(), plainCount(items.map(([k, w]) => [k, w])));
          assert.deepEqual(table.omitted, { rows: 0, items: 0, wireBytes: 0 });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('literal: beyond maxRows free rows, the free row listed last goes (fewest items, then the greatest key)', () => {
    const table = new BreakdownRows({ maxRows: 2, closable: true });
    table.bump('a', 10, 1);
    table.bump('a', 10, 1);
    table.bump('b', 5, 2);
    table.bump('c', 7, 3);
    table.bump('d', 1, 4);
    table.bump('d', 1, 4);
    table.close(2);
    table.close(3);
    // Two free rows (b, c), the limit: nothing goes, though four rows are held.
    assert.equal(table.size, 4);
    assert.deepEqual(table.omitted, { rows: 0, items: 0, wireBytes: 0 });
    table.close(1);
    // Three free (a, b, c): c (1 item, greater key than b) can no longer be among the first two.
    assert.deepEqual(table.sorted(), [
      { key: 'a', items: 2, wireBytes: 20 },
      { key: 'd', items: 2, wireBytes: 2 },
      { key: 'b', items: 1, wireBytes: 5 },
    ]);
    assert.deepEqual(table.omitted, { rows: 1, items: 1, wireBytes: 7 });
    table.close(4);
    assert.deepEqual(table.sorted(), [
      { key: 'a', items: 2, wireBytes: 20 },
      { key: 'd', items: 2, wireBytes: 2 },
    ]);
    assert.deepEqual(table.omitted, { rows: 2, items: 2, wireBytes: 12 });
  });

  it('literal: equal items drop the greatest key first', () => {
    const table = new BreakdownRows({ maxRows: 1, closable: true });
    table.bump('y', 1, 1);
    table.bump('x', 1, 2);
    table.bump('z', 1, 3);
    table.close(1);
    table.close(2);
    table.close(3);
    assert.deepEqual(table.sorted(), [{ key: 'x', items: 1, wireBytes: 1 }]);
    assert.deepEqual(table.omitted, { rows: 2, items: 2, wireBytes: 2 });
  });

  it('literal: a key back in use (port reuse) is not dropped while open; a dropped key starts a new row', () => {
    const table = new BreakdownRows({ maxRows: 1, closable: true });
    table.bump('k', 1, 1);
    table.close(1);
    table.bump('big', 1, 2);
    table.bump('big', 1, 2);
    // k is free and smaller: it would go now if it were closed; another connection uses it again first.
    table.bump('k', 1, 3);
    table.close(2);
    assert.deepEqual(table.omitted, { rows: 0, items: 0, wireBytes: 0 });
    assert.equal(table.size, 2);
    table.close(3);
    // k (2 items) against big (2 items): k is the greater key, dropped.
    assert.deepEqual(table.sorted(), [{ key: 'big', items: 2, wireBytes: 2 }]);
    assert.deepEqual(table.omitted, { rows: 1, items: 2, wireBytes: 2 });
    table.bump('k', 9, 4);
    assert.deepEqual(table.sorted(), [
      { key: 'big', items: 2, wireBytes: 2 },
      { key: 'k', items: 1, wireBytes: 9 },
    ]);
  });

  it('literal: rows counted without a connection are never dropped', () => {
    const table = new BreakdownRows({ maxRows: 0, closable: true });
    table.bump('pinned', 3);
    table.bump('closed', 4, 7);
    table.bump('pinned', 3, 7);
    table.close(7);
    assert.deepEqual(table.sorted(), [{ key: 'pinned', items: 2, wireBytes: 6 }]);
    assert.deepEqual(table.omitted, { rows: 1, items: 1, wireBytes: 4 });
  });

  it('without closes: the first maxRows keys get rows, later keys only add to omitted (rows not counted)', () => {
    const table = new BreakdownRows({ maxRows: 2, closable: false });
    for (const key of ['a', 'b', 'c', 'a', 'd', 'c']) table.bump(key, 10, 1);
    table.close(1);
    assert.deepEqual(table.sorted(), [
      { key: 'a', items: 2, wireBytes: 20 },
      { key: 'b', items: 1, wireBytes: 10 },
    ]);
    assert.deepEqual(table.omitted, { rows: null, items: 3, wireBytes: 30 });
  });

  it('many connections: memory holds the limit, not the connections (100,000 closed, limit 100)', () => {
    const table = new BreakdownRows({ maxRows: 100, closable: true });
    for (let c = 1; c <= 100_000; c++) {
      table.bump(`10.0.${c >> 8}.${c & 255}:${c}>10.0.0.1:5050`, 100, c);
      table.bump(`10.0.0.1:5050>10.0.${c >> 8}.${c & 255}:${c}`, 50, c);
      if (c % 7 === 0) table.bump(`10.0.${c >> 8}.${c & 255}:${c}>10.0.0.1:5050`, 100, c);
      table.close(c);
      assert.ok(table.size <= 100);
    }
    const rows = table.sorted();
    assert.equal(rows.length, 100);
    assert.ok(rows.every((r) => r.items === 2));
    assert.equal(table.omitted.rows, 200_000 - 100);
  });
});
