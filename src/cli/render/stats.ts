import type { StatsRow, StatsSummary } from '../../analysis/stats.ts';

function table(rows: string[][], rightAligned: (i: number) => boolean): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (rightAligned(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function section(title: string, keyTitle: string, rows: [string, StatsRow][], withTotal: boolean): string[] {
  if (rows.length === 0) return [];
  const body = [[keyTitle, 'COUNT', 'BODY BYTES', 'WIRE BYTES', 'UNDECODABLE']];
  const total: StatsRow = { count: 0, bodyBytes: 0, wireBytes: 0, undecodable: 0 };
  for (const [key, r] of rows) {
    body.push([key, String(r.count), String(r.bodyBytes), String(r.wireBytes), String(r.undecodable)]);
    total.count += r.count;
    total.bodyBytes += r.bodyBytes;
    total.wireBytes += r.wireBytes;
    total.undecodable += r.undecodable;
  }
  if (withTotal && rows.length > 1) {
    body.push([
      'total',
      String(total.count),
      String(total.bodyBytes),
      String(total.wireBytes),
      String(total.undecodable),
    ]);
  }
  return [title, ...table(body, (i) => i > 0).map((l) => `  ${l}`), ''];
}

/** `mesos-wire stats` as text tables: messages by name, requests, responses by status, records by type, errors. */
export function statsText(s: StatsSummary): string {
  const lines: string[] = [];
  lines.push(
    ...section(
      'libprocess messages by name',
      'NAME',
      s.messages.map((m) => [m.name, m]),
      true,
    ),
  );
  lines.push(
    ...section(
      'other requests',
      'REQUEST',
      s.requests.map((r) => [r.request, r]),
      true,
    ),
  );
  lines.push(
    ...section(
      'responses by status',
      'STATUS',
      s.responses.map((r) => [String(r.status), r]),
      true,
    ),
  );
  lines.push(
    ...section(
      'RecordIO records by type',
      'TYPE',
      s.records.map((r) => [r.type, r]),
      true,
    ),
  );
  if (s.errors.length > 0) {
    lines.push('errors by code');
    const rows = [['CODE', 'COUNT'], ...s.errors.map((e) => [e.code, String(e.count)])];
    lines.push(...table(rows, (i) => i > 0).map((l) => `  ${l}`), '');
  }
  const t = s.totals;
  lines.push(
    `${t.items} items (${t.messages} messages, ${t.requests} other requests, ${t.responses} responses, ` +
      `${t.records} records), ${t.wireBytes} wire bytes, ${t.errors} errors`,
  );
  return `${lines.join('\n')}\n`;
}
