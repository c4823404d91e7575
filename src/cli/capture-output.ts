/**
 * `decode` and `stats` on pcap/pcapng captures: filters, ndjson/json/text output with capture fields, and the
 * capture sections of stats. The raw-stream renderers (render/) draw the items; this module adds where each item was
 * seen (`flow`, `time`, `frame`) and renders diagnostics.
 */
import type { ChalkInstance } from 'chalk';
import { messageTypeTag } from '../analysis/body-decode.ts';
import { bodyIds } from '../analysis/ids.ts';
import type { OmittedRows, SessionStatsSummary } from '../analysis/session-stats.ts';
import { DIAGNOSTIC_INFO } from '../diagnostics.ts';
import { type CaptureTimestamp, isoTimeOrNull } from '../pcap/timestamp.ts';
import type { DecodedEvent } from '../pipeline/events.ts';
import { endpointAddress } from '../pipeline/session.ts';
import type { DecodeEvent } from './events.ts';
import { type EventWriter, eventJson } from './render/json.ts';
import { TextWriter } from './render/text.ts';

/** `--name`, `--upid`, `--flow`, `--framework` of `decode` on captures. */
export interface CaptureFilterOptions {
  name?: string;
  upid?: string;
  flow?: string;
  framework?: string;
}

/** A capture time in text output: ISO 8601, `(no time)` when the capture records none, empty when absent. */
export function timeText(time: CaptureTimestamp | undefined): string {
  if (time === undefined) return '';
  return time.known ? time.toISOString() : '(no time)';
}

/** `*` any run, `?` one character; everything else literal (case-sensitive, like wire names). */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

type Item = Extract<DecodedEvent, { type: 'message' | 'request' | 'response' | 'record' }>;

/** The names an item answers to for `--name`: wire name, request path, body type and `Type.TAG`. */
function itemNames(event: Item): string[] {
  const names: string[] = [];
  if (event.type === 'message') names.push(event.name);
  if (event.type === 'request') names.push(event.target.split('?')[0]!);
  const typed = event.typed;
  if (typed?.kind === 'message') {
    names.push(typed.typeName);
    const tag = messageTypeTag(typed);
    if (tag !== undefined) names.push(`${typed.typeName}.${tag}`, tag);
  }
  return names;
}

function flowMatches(flow: string | undefined, wanted: string): boolean {
  if (flow === undefined) return false;
  const [source, destination] = flow.split('>');
  if (!wanted.includes('>')) return source === wanted || destination === wanted;
  return flow === wanted || `${destination}>${source}` === wanted;
}

/**
 * A predicate over decoded events. Items (messages, requests, responses, records) must match every filter given; a
 * stream end is kept when something of its stream was. `--flow` also selects the diagnostics and errors of that
 * connection; the item filters (`--name`, `--upid`, `--framework`) hide diagnostics.
 */
export function captureEventFilter(options: CaptureFilterOptions): ((event: DecodedEvent) => boolean) | undefined {
  const { name, upid, flow, framework } = options;
  if (name === undefined && upid === undefined && flow === undefined && framework === undefined) return undefined;
  const itemFilter = name !== undefined || upid !== undefined || framework !== undefined;
  const pattern = name === undefined ? undefined : globToRegExp(name);
  /** Streams (`connection offset` of their response) something of which was shown. */
  const shownStreams = new Set<string>();
  const matches = (event: Item): boolean => {
    if (flow !== undefined && !flowMatches(event.flow, flow)) return false;
    if (pattern !== undefined && !itemNames(event).some((n) => pattern.test(n))) return false;
    if (upid !== undefined) {
      if (event.type !== 'message') return false;
      const destination = event.flow === undefined ? undefined : event.flow.slice(event.flow.indexOf('>') + 1);
      const receiver =
        destination === undefined
          ? undefined
          : `${event.to}@${endpointAddress(destination)}:${destination.slice(destination.lastIndexOf(':') + 1)}`;
      if (event.from !== upid && receiver !== upid) return false;
    }
    if (framework !== undefined && !bodyIds(event.typed).frameworks.includes(framework)) return false;
    return true;
  };
  return (event) => {
    switch (event.type) {
      case 'diagnostic':
        return !itemFilter && (flow === undefined || flowMatches((event.diagnostic as { flow?: string }).flow, flow));
      case 'open':
      case 'close':
        return flow === undefined || flowMatches(event.flow, flow);
      case 'error':
        return flow === undefined || flowMatches(event.flow, flow);
      case 'stream-end':
        return shownStreams.delete(`${event.connection} ${event.offset}`);
      default: {
        if (!matches(event)) return false;
        if (event.type === 'record' && event.response !== undefined)
          shownStreams.add(`${event.connection} ${event.response}`);
        if (event.type === 'response' && event.stream !== undefined)
          shownStreams.add(`${event.connection} ${event.offset}`);
        return true;
      }
    }
  };
}

/** The JSON object of a capture event: the raw-stream object plus `flow`, `time`, `frame` (and more for captures). */
export function captureEventJson(event: DecodedEvent): Record<string, unknown> {
  switch (event.type) {
    case 'diagnostic': {
      const out: Record<string, unknown> = { type: 'diagnostic', ...event.diagnostic };
      if (event.time !== undefined) out.time = isoTimeOrNull(event.time);
      return out;
    }
    case 'open':
      return { ...event, time: isoTimeOrNull(event.time) };
    case 'close':
      return { ...event, time: isoTimeOrNull(event.time) };
    default: {
      const out = eventJson(event as unknown as DecodeEvent);
      if (event.flow !== undefined) {
        out.flow = event.flow;
        out.time = isoTimeOrNull(event.time);
        out.frame = event.frame ?? null;
        out.connection = event.connection;
        out.direction = event.direction;
        if ('endFrame' in event && event.endFrame !== undefined) out.endFrame = event.endFrame;
        if (event.type === 'response' && event.requestFrame !== undefined) out.requestFrame = event.requestFrame;
      }
      return out;
    }
  }
}

/** Writes capture events in one of the decode formats (json/ndjson: `NdjsonWriter`/`JsonArrayWriter` with `captureEventJson`). */
export type CaptureWriter = EventWriter<DecodedEvent>;

/** Text: each item as the raw-stream text renderer draws it, under a line saying where it was seen. */
export class CaptureTextWriter implements CaptureWriter {
  private readonly items: EventWriter;
  private readonly c: ChalkInstance;
  private diagnostics = 0;

  constructor(chalk: ChalkInstance, options: ConstructorParameters<typeof TextWriter>[1]) {
    this.c = chalk;
    this.items = new TextWriter(chalk, options);
  }

  write(event: DecodedEvent): string {
    const c = this.c;
    switch (event.type) {
      case 'diagnostic': {
        this.diagnostics++;
        const d = event.diagnostic;
        const { kind, ...fields } = d as Record<string, unknown> & { kind: keyof typeof DIAGNOSTIC_INFO };
        const where = fields.frame === undefined ? '' : `#${fields.frame} `;
        const details = Object.entries(fields)
          .filter(([k]) => k !== 'frame')
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        return `${c.dim(where)}${c.yellow(`${DIAGNOSTIC_INFO[kind].title} (${kind})`)}: ${details}\n`;
      }
      case 'open':
      case 'close':
        return '';
      default: {
        const text = this.items.write(event as unknown as DecodeEvent);
        if (event.flow === undefined || text === '') return text;
        const where = `#${event.frame ?? '?'} ${timeText(event.time)} ${event.flow}`;
        return `${c.dim(where)}\n${text}`;
      }
    }
  }

  finish(): string {
    const summary = this.items.finish();
    return this.diagnostics === 0 ? summary : `${summary.trimEnd()}, ${this.diagnostics} diagnostics\n`;
  }
}

/** The capture sections of `stats` text: per flow, framework, agent, latencies, diagnostics by kind. */
export function captureStatsText(s: SessionStatsSummary, diagnostics: Map<string, number>): string {
  return [...captureStatsLines(s, diagnostics)].join('');
}

/** An item-count table's lines (each ending in a newline), measured first: no cell outlives its line. */
function* breakdownLines(
  title: string,
  key: string,
  rows: { key: string; items: number; wireBytes: number }[],
  omitted: OmittedRows | undefined,
): Generator<string> {
  if (rows.length === 0 && omitted === undefined) return;
  const widths = [key.length, 'ITEMS'.length, 'WIRE BYTES'.length];
  for (const r of rows) {
    widths[0] = Math.max(widths[0]!, r.key.length);
    widths[1] = Math.max(widths[1]!, String(r.items).length);
    widths[2] = Math.max(widths[2]!, String(r.wireBytes).length);
  }
  const line = (cells: string[]) =>
    `  ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}\n`;
  yield `${title}\n`;
  yield line([key, 'ITEMS', 'WIRE BYTES']);
  for (const r of rows) yield line([r.key, String(r.items), String(r.wireBytes)]);
  if (omitted !== undefined) {
    // Rows dropped, not distinct keys: a flow seen again after its row was dropped gets a row again.
    const what = omitted.rows === null ? 'keys beyond the limit' : `${omitted.rows} rows dropped (fewest items)`;
    yield `  ... ${what}: ${omitted.items} items, ${omitted.wireBytes} wire bytes\n`;
  }
  yield '\n';
}

/**
 * `captureStatsText` a line at a time (each with its newline): a capture of tens of thousands of connections has
 * two flow rows each, too many to hold as cells and as one string.
 */
export function* captureStatsLines(s: SessionStatsSummary, diagnostics: Map<string, number>): Generator<string> {
  yield* breakdownLines('by flow', 'FLOW', s.flows, s.omitted?.flows);
  yield* breakdownLines('by framework (ids in typed bodies)', 'FRAMEWORK', s.frameworks, s.omitted?.frameworks);
  yield* breakdownLines('by agent (ids in typed bodies)', 'AGENT', s.agents, s.omitted?.agents);
  const lat = s.latencies;
  const rows: [string, typeof lat.offerToAccept][] = [
    ['offer -> accept', lat.offerToAccept],
    ['launch -> TASK_RUNNING', lat.launchToRunning],
    ['status update -> ack', lat.updateToAcknowledgement],
  ];
  const ms = (v: number | null) => (v === null ? '-' : String(v));
  // `~`: a percentile read from the histogram (more latencies than are kept exactly), within 0.05%.
  const pct = (v: number | null, approximate: boolean | undefined) => (approximate && v !== null ? `~${v}` : ms(v));
  const body = [
    ['LATENCY (ms)', 'COUNT', 'P50', 'P90', 'P99', 'MAX', 'UNMATCHED'],
    ...rows.map(([name, l]) => [
      name,
      String(l.count),
      pct(l.p50, l.approximate),
      pct(l.p90, l.approximate),
      pct(l.p99, l.approximate),
      ms(l.max),
      String(l.unmatched),
    ]),
  ];
  const widths = body[0]!.map((_, i) => Math.max(...body.map((r) => r[i]!.length)));
  yield 'latencies between related messages\n';
  for (const r of body)
    yield `  ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}\n`;
  yield '\n';
  if (diagnostics.size > 0) {
    yield 'diagnostics by kind\n';
    const sorted = [...diagnostics.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const w = Math.max(4, ...sorted.map(([k]) => k.length));
    yield `  ${'KIND'.padEnd(w)}  COUNT\n`;
    for (const [kind, n] of sorted) yield `  ${kind.padEnd(w)}  ${String(n).padStart(5)}\n`;
    yield '\n';
  }
}
