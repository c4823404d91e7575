import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionStatsSummary } from '../../src/analysis/session-stats.ts';
import { jsonPieces } from '../../src/cli/capture-commands.ts';
import { captureStatsLines, captureStatsText } from '../../src/cli/capture-output.ts';
import { RawJson, stringifyJson } from '../../src/cli/render/body.ts';
import { CaptureTimestamp } from '../../src/pcap/timestamp.ts';

/** captureStatsText as it was before it was made line by line: every row's cells, then one string. */
function oneStringText(s: SessionStatsSummary, diagnostics: Map<string, number>): string {
  const lines: string[] = [];
  const table = (title: string, key: string, rows: { key: string; items: number; wireBytes: number }[]) => {
    if (rows.length === 0) return;
    const body = [[key, 'ITEMS', 'WIRE BYTES'], ...rows.map((r) => [r.key, String(r.items), String(r.wireBytes)])];
    const widths = body[0]!.map((_, i) => Math.max(...body.map((r) => r[i]!.length)));
    lines.push(title);
    for (const r of body)
      lines.push(`  ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`);
    lines.push('');
  };
  table('by flow', 'FLOW', s.flows);
  table('by framework (ids in typed bodies)', 'FRAMEWORK', s.frameworks);
  table('by agent (ids in typed bodies)', 'AGENT', s.agents);
  const lat = s.latencies;
  const rows: [string, typeof lat.offerToAccept][] = [
    ['offer -> accept', lat.offerToAccept],
    ['launch -> TASK_RUNNING', lat.launchToRunning],
    ['status update -> ack', lat.updateToAcknowledgement],
  ];
  const ms = (v: number | null) => (v === null ? '-' : String(v));
  const body = [
    ['LATENCY (ms)', 'COUNT', 'P50', 'P90', 'P99', 'MAX', 'UNMATCHED'],
    ...rows.map(([name, l]) => [
      name,
      String(l.count),
      ms(l.p50),
      ms(l.p90),
      ms(l.p99),
      ms(l.max),
      String(l.unmatched),
    ]),
  ];
  const widths = body[0]!.map((_, i) => Math.max(...body.map((r) => r[i]!.length)));
  lines.push('latencies between related messages');
  for (const r of body)
    lines.push(`  ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`);
  lines.push('');
  if (diagnostics.size > 0) {
    lines.push('diagnostics by kind');
    const sorted = [...diagnostics.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const w = Math.max(4, ...sorted.map(([k]) => k.length));
    lines.push(`  ${'KIND'.padEnd(w)}  COUNT`);
    for (const [kind, n] of sorted) lines.push(`  ${kind.padEnd(w)}  ${String(n).padStart(5)}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function summary(flows: number, frameworks: number): SessionStatsSummary {
  const rows = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      key: `${prefix}${i}`.repeat((i % 3) + 1),
      items: (i * 37) % 1000,
      wireBytes: i * 12345,
    }));
  const latency = (count: number) => ({
    count,
    p50: count === 0 ? null : 1.5,
    p90: count === 0 ? null : 12.25,
    p99: count === 0 ? null : 100,
    max: count === 0 ? null : 1234.567,
    unmatched: 3,
  });
  return {
    flows: rows('10.0.0.1:5050>10.0.1.', flows),
    frameworks: rows('fw-', frameworks),
    agents: [],
    latencies: { offerToAccept: latency(0), launchToRunning: latency(7), updateToAcknowledgement: latency(70000) },
  };
}

describe('stats output in pieces', () => {
  it('the capture sections line by line are the one string, with and without diagnostics', () => {
    const diagnostics = new Map([
      ['tcp-gap', 4],
      ['upid-address-mismatch', 600],
      ['body-undecodable', 4],
    ]);
    for (const [s, d] of [
      [summary(700, 3), diagnostics],
      [summary(0, 0), new Map<string, number>()],
      [summary(1, 0), diagnostics],
    ] as const) {
      assert.equal(captureStatsText(s, d), oneStringText(s, d));
      assert.equal([...captureStatsLines(s, d)].join(''), oneStringText(s, d));
    }
  });

  it('json pieces joined are stringifyJson and a newline (arrays element by element, undefined members left out)', () => {
    const objects: Record<string, unknown>[] = [
      {
        messages: { a: { count: 1 } },
        flows: summary(600, 0).flows,
        empty: [],
        holes: [1, undefined, () => 0, null, 'x', new RawJson('18446744073709551615')],
        gone: undefined,
        time: new CaptureTimestamp(1795813200, 5000, 6),
        nested: [[1, 2], { b: [3] }],
        connections: 12,
        diagnostics: {},
      },
      {},
      { only: undefined },
      { first: undefined, second: [] },
    ];
    for (const object of objects) assert.equal([...jsonPieces(object)].join(''), `${stringifyJson(object)}\n`);
  });
});
