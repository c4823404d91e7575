import { type FlowSummary, FlowTable } from '../../analysis/flows.ts';
import { readCaptureEvents, sniffCaptureInput } from '../capture-input.ts';
import { timeText } from '../capture-output.ts';
import { type CliContext, writeText } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';

/** Options of `mesos-wire flows`. */
export interface FlowsOptions {
  format: 'text' | 'json';
}

/** Runs the command; returns the exit code (0 clean, 1 input errors, 3 unreadable input). */
export async function runFlows(file: string, options: FlowsOptions, ctx: CliContext): Promise<ExitCode> {
  const name = file === '-' ? 'standard input' : file;
  const sniffed = await sniffCaptureInput(file, ctx);
  ctx = sniffed.ctx;
  if (sniffed.format === 'raw') {
    ctx.stderr.write(`mesos-wire: ${name} is not a pcap or pcapng capture (MW_CAPTURE_UNKNOWN_FORMAT)\n`);
    return EXIT.INPUT_ERRORS;
  }
  const table = new FlowTable();
  let errors = 0;
  const outcome = await readCaptureEvents(
    file,
    ctx,
    (event) => {
      table.add(event);
      if (event.type === 'error') errors++;
    },
    async () => {},
  );
  if (outcome.kind === 'io-error') {
    ctx.stderr.write(`mesos-wire: cannot read ${name}: ${outcome.message}\n`);
    return EXIT.IO;
  }
  const flows = table.flows();
  await writeText(
    ctx.stdout,
    options.format === 'json' ? `${JSON.stringify({ flows, other: table.other })}\n` : flowsText(flows, table.other),
  );
  if (outcome.kind === 'format-error') {
    ctx.stderr.write(`mesos-wire: ${outcome.code} at file offset ${outcome.offset ?? '?'}: ${outcome.message}\n`);
    return EXIT.INPUT_ERRORS;
  }
  return errors > 0 ? EXIT.INPUT_ERRORS : EXIT.OK;
}

function directionText(d: FlowSummary['clientToServer']): string {
  const items = [
    d.messages > 0 ? `${d.messages} msg` : '',
    d.requests > 0 ? `${d.requests} req` : '',
    d.responses > 0 ? `${d.responses} resp` : '',
    d.records > 0 ? `${d.records} rec` : '',
  ].filter((s) => s !== '');
  const gap = d.gapBytes > 0 ? `, ${d.gapBytes} B missing` : '';
  return `${d.bytes} B${items.length > 0 ? ` ${items.join(' ')}` : ''}${gap}`;
}

function anomaliesText(anomalies: Record<string, number | undefined>): string {
  return Object.entries(anomalies)
    .map(([kind, n]) => (n === 1 ? kind : `${kind} x${n}`))
    .join(', ');
}

/** One row per connection, aligned columns, then the anomalies not tied to a connection. */
export function flowsText(flows: FlowSummary[], other: Record<string, number | undefined>): string {
  const rows = [['#', 'CLIENT > SERVER', 'FIRST', 'LAST', 'CLIENT->SERVER', 'SERVER->CLIENT', 'END', 'ANOMALIES']];
  for (const f of flows) {
    const labels = [f.midstream ? 'midstream' : '', f.encrypted ? 'TLS' : ''].filter((s) => s !== '');
    rows.push([
      String(f.connection),
      `${f.client} > ${f.server}${labels.length > 0 ? ` (${labels.join(', ')})` : ''}`,
      `${timeText(f.firstTime)} #${f.firstFrame}`,
      `${timeText(f.lastTime)} #${f.lastFrame}`,
      directionText(f.clientToServer),
      directionText(f.serverToClient),
      f.closeReason ?? 'open',
      anomaliesText(f.anomalies) || '-',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (i === 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const otherText = anomaliesText(other);
  if (otherText !== '') lines.push('', `not tied to a connection: ${otherText}`);
  lines.push('', `${flows.length} connection${flows.length === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}
