/**
 * The capture side of `decode` and `stats` (a pcap or pcapng FILE, detected by content): the commands call these
 * when `sniffCaptureFile` says the file is a capture.
 */
import type { TypedBody } from '../analysis/body-decode.ts';
import { SessionStats } from '../analysis/session-stats.ts';
import { TrafficStats } from '../analysis/stats.ts';
import type { PbType } from '../proto/schema.ts';
import { readCaptureEvents } from './capture-input.ts';
import {
  type CaptureFilterOptions,
  CaptureTextWriter,
  type CaptureWriter,
  captureEventFilter,
  captureEventJson,
  captureStatsLines,
} from './capture-output.ts';
import { countEvent } from './commands/stats.ts';
import type { CliContext } from './context.ts';
import type { DecodeEvent } from './events.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { OutputBuffer } from './output-buffer.ts';
import { stringifyJson } from './render/body.ts';
import { chalkFor } from './render/color.ts';
import { JsonArrayWriter, NdjsonWriter, writeEvent } from './render/json.ts';
import { statsText } from './render/stats.ts';

/** What `decode` passes for a capture. */
export interface CaptureDecodeOptions extends CaptureFilterOptions {
  format: 'text' | 'json' | 'ndjson';
  hexLimit: number;
  hex?: boolean;
  maxRecordBytes?: number;
  type?: PbType;
}

function reportOutcome(
  file: string,
  ctx: CliContext,
  outcome: Awaited<ReturnType<typeof readCaptureEvents>>,
  errors: number,
): ExitCode {
  if (outcome.kind === 'io-error') {
    ctx.stderr.write(`mesos-wire: cannot read ${file}: ${outcome.message}\n`);
    return EXIT.IO;
  }
  if (outcome.kind === 'format-error') {
    ctx.stderr.write(`mesos-wire: ${outcome.code} at file offset ${outcome.offset ?? '?'}: ${outcome.message}\n`);
    return EXIT.INPUT_ERRORS;
  }
  return errors > 0 ? EXIT.INPUT_ERRORS : EXIT.OK;
}

/** `decode FILE` on a capture: items as they are decoded (streamed), with flow, time and frame. */
export async function runCaptureDecode(
  file: string,
  options: CaptureDecodeOptions,
  ctx: CliContext,
): Promise<ExitCode> {
  const writer: CaptureWriter =
    options.format === 'ndjson'
      ? new NdjsonWriter(captureEventJson)
      : options.format === 'json'
        ? new JsonArrayWriter(captureEventJson)
        : new CaptureTextWriter(chalkFor(ctx.stdout, ctx.env), { hexLimit: options.hexLimit, hex: options.hex });
  const keep = captureEventFilter(options);
  const output = new OutputBuffer(ctx.stdout);
  let errors = 0;
  const outcome = await readCaptureEvents(
    file,
    ctx,
    (event) => {
      if (event.type === 'error') errors++;
      if (event.type === 'open' || event.type === 'close') return;
      if (keep !== undefined && !keep(event)) return;
      writeEvent(writer, event, output);
    },
    // Once per read: what this read produced goes out, and reading waits while the output is slow.
    () => output.flush(),
    { maxRecordBytes: options.maxRecordBytes, recordType: options.type },
  );
  output.add(writer.finish());
  await output.flush();
  return reportOutcome(file, ctx, outcome, errors);
}

/** Did the body decode with its type (no error)? */
function decoded(typed: TypedBody | undefined): boolean {
  return typed === undefined || !('error' in typed) || typed.error === undefined;
}

/** Pieces of `stats` output handed to the output between waits for it. */
const PIECES_PER_FLUSH = 256;

/** `stats` text: the raw-stream tables, the capture sections line by line, the connection count. */
function* textPieces(tables: string, captureLines: Iterable<string>, connections: number): Generator<string> {
  yield `${tables}\n`;
  yield* captureLines;
  yield `${connections} connections\n`;
}

/**
 * `stringifyJson(object)` and a newline, in pieces: each member, and each element of a member that is an array (a
 * capture's `flows` has two rows per connection).
 */
export function* jsonPieces(object: Record<string, unknown>): Generator<string> {
  let members = 0;
  yield '{';
  for (const [key, value] of Object.entries(object)) {
    if (Array.isArray(value)) {
      yield `${members++ === 0 ? '' : ','}${JSON.stringify(key)}:[`;
      for (let i = 0; i < value.length; i++) yield `${i === 0 ? '' : ','}${stringifyJson(value[i]) ?? 'null'}`;
      yield ']';
      continue;
    }
    const text = stringifyJson(value);
    // Left out where JSON.stringify leaves the member out (undefined).
    if (text !== undefined) yield `${members++ === 0 ? '' : ','}${JSON.stringify(key)}:${text}`;
  }
  yield '}\n';
}

/** `stats FILE` on a capture: the raw-stream tables plus flows, frameworks, agents, latencies and diagnostics. */
export async function runCaptureStats(
  file: string,
  options: { format: 'text' | 'json'; type?: PbType; maxFlows?: number },
  ctx: CliContext,
): Promise<ExitCode> {
  const traffic = new TrafficStats();
  /** Raw-stream bookkeeping of countEvent (not used for the events handled here). */
  const statuses = new Map<number, number>();
  /**
   * Status of each streamed response until its stream-end, by connection then offset. A connection that closes
   * inside a stream (a subscriber going away) sends no stream-end: its entries go with its close.
   */
  const streams = new Map<number, Map<number, number>>();
  const session = new SessionStats({ maxFlows: options.maxFlows });
  // Connections are counted, not kept: the pipeline numbers them 1, 2, 3 ... as they open (an id opened again is
  // not counted twice).
  let connections = 0;
  let lastConnection = Number.NEGATIVE_INFINITY;
  const diagnostics = new Map<string, number>();
  let errors = 0;
  const outcome = await readCaptureEvents(
    file,
    ctx,
    (event) => {
      session.add(event);
      switch (event.type) {
        case 'diagnostic':
          diagnostics.set(event.diagnostic.kind, (diagnostics.get(event.diagnostic.kind) ?? 0) + 1);
          return;
        case 'open':
          if (event.connection > lastConnection) {
            lastConnection = event.connection;
            connections++;
          }
          return;
        case 'close':
          streams.delete(event.connection);
          return;
        // What countEvent does for these two, with streamed responses remembered by connection and offset (offsets
        // repeat across connections).
        case 'response':
          if (event.stream !== undefined) {
            const connection = event.connection ?? 0;
            let open = streams.get(connection);
            if (open === undefined) streams.set(connection, (open = new Map()));
            open.set(event.offset, event.status);
            traffic.addResponse(event.status, 0, 0, true);
          } else traffic.addResponse(event.status, event.body.length, event.end - event.offset, decoded(event.typed));
          return;
        case 'stream-end': {
          const open = streams.get(event.connection ?? 0);
          const status = open?.get(event.offset);
          if (status === undefined) return;
          open!.delete(event.offset);
          traffic.addResponseBytes(status, event.bodyLength, event.end - event.offset);
          return;
        }
        case 'error':
          errors++;
          countEvent(traffic, event as DecodeEvent, statuses);
          return;
        default:
          countEvent(traffic, event as unknown as DecodeEvent, statuses);
      }
    },
    async () => {},
    { recordType: options.type },
  );
  if (outcome.kind === 'io-error') return reportOutcome(file, ctx, outcome, errors);
  const summary = traffic.summary();
  const capture = session.summary();
  const diagnosticCounts = Object.fromEntries([...diagnostics.entries()].sort((a, b) => b[1] - a[1]));
  // In pieces (a line of text, an array element of JSON): the flow table has two rows per connection.
  const pieces =
    options.format === 'json'
      ? jsonPieces({ ...summary, ...capture, connections, diagnostics: diagnosticCounts })
      : textPieces(statsText(summary), captureStatsLines(capture, diagnostics), connections);
  const output = new OutputBuffer(ctx.stdout);
  let written = 0;
  for (const piece of pieces) {
    output.add(piece);
    if (++written % PIECES_PER_FLUSH === 0) await output.flush();
  }
  await output.flush();
  return reportOutcome(file, ctx, outcome, errors);
}
