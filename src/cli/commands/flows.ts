import { tmpdir } from 'node:os';
import { type FlowSummary, FlowTable } from '../../analysis/flows.ts';
import { readCaptureEvents, sniffCaptureInput } from '../capture-input.ts';
import { timeText } from '../capture-output.ts';
import { type CliContext, ioMessage } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { FlowRowFile } from '../flow-row-file.ts';
import { OutputBuffer } from '../output-buffer.ts';

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
  const rows = flowRowFile(ctx);
  try {
    return await listFlows(file, name, new FlowTable({ store: rows }), options, ctx);
  } finally {
    rows?.close();
  }
}

/**
 * The rows of closed connections go to a temporary file (under TMPDIR): memory then holds the open connections only.
 * Where no file can be made, they stay in memory (said on stderr).
 */
function flowRowFile(ctx: CliContext): FlowRowFile | undefined {
  const directory = ctx.env.TMPDIR || tmpdir();
  try {
    return FlowRowFile.create(directory);
  } catch (error) {
    ctx.stderr.write(
      `mesos-wire: no temporary file in ${directory} (${ioMessage(error)}): connections are kept in memory\n`,
    );
    return undefined;
  }
}

async function listFlows(
  file: string,
  name: string,
  table: FlowTable,
  options: FlowsOptions,
  ctx: CliContext,
): Promise<ExitCode> {
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
  // Written row by row (a long capture has tens of thousands of connections: one string of them all, and every
  // row's cells held at once, were most of this command's peak memory).
  const output = new OutputBuffer(ctx.stdout);
  const lines =
    options.format === 'json' ? flowsJsonPieces(table) : flowsTextLines(() => table.summaries(), table.other);
  let written = 0;
  for (const line of lines) {
    output.add(line);
    if (++written % ROWS_PER_FLUSH === 0) await output.flush();
  }
  await output.flush();
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

/** `JSON.stringify({ flows, other })` and a newline, in pieces: a flow at a time. */
function* flowsJsonPieces(table: FlowTable): Generator<string> {
  let first = true;
  yield '{"flows":[';
  for (const flow of table.summaries()) {
    yield first ? JSON.stringify(flow) : `,${JSON.stringify(flow)}`;
    first = false;
  }
  yield `],"other":${JSON.stringify(table.other)}}\n`;
}

/** Pieces written between waits for the output stream. */
const ROWS_PER_FLUSH = 256;

const HEADER = ['#', 'CLIENT > SERVER', 'FIRST', 'LAST', 'CLIENT->SERVER', 'SERVER->CLIENT', 'END', 'ANOMALIES'];

/** The cells of one connection's row. */
function flowCells(f: FlowSummary): string[] {
  const labels = [f.midstream ? 'midstream' : '', f.encrypted ? 'TLS' : ''].filter((s) => s !== '');
  return [
    String(f.connection),
    `${f.client} > ${f.server}${labels.length > 0 ? ` (${labels.join(', ')})` : ''}`,
    `${timeText(f.firstTime)} #${f.firstFrame}`,
    `${timeText(f.lastTime)} #${f.lastFrame}`,
    directionText(f.clientToServer),
    directionText(f.serverToClient),
    f.closeReason ?? 'open',
    anomaliesText(f.anomalies) || '-',
  ];
}

/**
 * The lines (each with its newline) of the text output: one row per connection, aligned columns, then the anomalies
 * not tied to a connection. Two passes over `flows` (column widths, then the lines): no more than one row's cells
 * exist at a time.
 */
export function* flowsTextLines(
  flows: () => Iterable<FlowSummary>,
  other: Record<string, number | undefined>,
): Generator<string> {
  const widths = HEADER.map((cell) => cell.length);
  let count = 0;
  for (const flow of flows()) {
    const cells = flowCells(flow);
    for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, cells[i]!.length);
    count++;
  }
  const line = (cells: string[]) =>
    `${cells
      .map((cell, i) => (i === 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()}\n`;
  yield line(HEADER);
  for (const flow of flows()) yield line(flowCells(flow));
  const otherText = anomaliesText(other);
  if (otherText !== '') yield `\nnot tied to a connection: ${otherText}\n`;
  yield `\n${count} connection${count === 1 ? '' : 's'}\n`;
}

/** One row per connection, aligned columns, then the anomalies not tied to a connection. */
export function flowsText(flows: FlowSummary[], other: Record<string, number | undefined>): string {
  return [...flowsTextLines(() => flows, other)].join('');
}
