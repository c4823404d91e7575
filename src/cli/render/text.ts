import type { ChalkInstance } from 'chalk';
import type { TypedBody } from '../../analysis/body-decode.ts';
import { formatMessageTree, formatSchemalessTree } from '../../proto/text.ts';
import type { DecodeEvent } from '../events.ts';
import { hexDumpLines, typedBodyOf } from './body.ts';
import type { EventWriter } from './json.ts';

/** Options of the text renderer. */
export interface TextWriterOptions {
  /** Bytes of each body shown in the hex dump (default 256). */
  hexLimit?: number;
  /** Show the hex dump of bodies that decoded with their type too (default: only of the others). */
  hex?: boolean;
}

type BodyEvent = Exclude<DecodeEvent, { type: 'error' } | { type: 'stream-end' }>;

/**
 * Human-readable rendering: per item its offset, what it is (from -> to and name for messages),
 * the framing (`chunked 0x44 = 68 bytes`), and the body as a hex dump plus a schema-less protobuf
 * (or text) view. Colour comes from the chalk instance given (level 0 = plain text).
 */
export class TextWriter implements EventWriter {
  private readonly c: ChalkInstance;
  private readonly hexLimit: number;
  private readonly hex: boolean;
  private counts = { messages: 0, requests: 0, responses: 0, records: 0, errors: 0 };
  /** The body decode error just shown inside a body (its error event then adds nothing). */
  private shownError: { code: string; offset: number | undefined } | undefined;

  constructor(chalk: ChalkInstance, options: TextWriterOptions = {}) {
    this.c = chalk;
    this.hexLimit = options.hexLimit ?? 256;
    this.hex = options.hex === true;
  }

  write(event: DecodeEvent): string {
    const shown = this.shownError;
    this.shownError = undefined;
    if (event.type === 'error' && shown !== undefined && shown.code === event.code && shown.offset === event.offset) {
      this.counts.errors++;
      return '';
    }
    const c = this.c;
    const at = c.dim(`@${event.offset ?? '?'}`);
    const lines: string[] = [];
    switch (event.type) {
      case 'message': {
        this.counts.messages++;
        const from = event.fromValid ? event.from : `${event.from} (unparsable sender "${event.fromText}")`;
        lines.push(`${at} ${c.bold.cyan('message')} ${c.green(from)} -> ${c.green(event.to)}  ${c.bold(event.name)}`);
        const style = event.style === 'other' ? '' : `, ${event.style} framing`;
        lines.push(
          `  framing  ${framingText(event)}  (HTTP/${event.version}, sender from ${event.fromSource}${style})`,
        );
        lines.push(...this.bodyLines(event));
        break;
      }
      case 'request': {
        this.counts.requests++;
        lines.push(`${at} ${c.bold.blue('request')} ${event.method} ${event.target}  HTTP/${event.version}`);
        if (event.rejected !== undefined) {
          lines.push(
            `  ${c.yellow(`Mesos would answer ${event.rejected.status}`)}: ${event.rejected.message} (${event.rejected.code})`,
          );
        }
        lines.push(`  framing  ${framingText(event)}`);
        lines.push(...this.bodyLines(event));
        break;
      }
      case 'response': {
        this.counts.responses++;
        const status = `${event.status} ${event.reason}`;
        const colored = event.status < 300 ? c.green(status) : event.status < 500 ? c.yellow(status) : c.red(status);
        const answers = event.request === undefined ? '' : `  (answers ${event.request})`;
        lines.push(`${at} ${c.bold.magenta('response')} ${colored}  HTTP/${event.version}${answers}`);
        if (event.stream !== undefined) {
          lines.push(`  framing  ${event.framing}, a RecordIO stream: records follow`);
          break;
        }
        lines.push(`  framing  ${framingText(event)}`);
        lines.push(...this.bodyLines(event));
        break;
      }
      case 'record': {
        this.counts.records++;
        const inside = event.response === undefined ? '' : ` in response @${event.response}`;
        lines.push(`${at} ${c.bold.cyan('record')} ${event.length} bytes (data @${event.dataOffset})${inside}`);
        lines.push(...this.bodyLines(event));
        break;
      }
      case 'stream-end': {
        const chunkCount = event.chunkCount ?? event.chunks.length;
        const hex = chunkCount === 0 ? '' : `, ${plural(chunkCount, 'chunk')}`;
        lines.push(
          `${c.dim(`@${event.end}`)} ${c.bold.magenta('end of stream')} of response @${event.offset}: ` +
            `${plural(event.records, 'record')}, ${event.bodyLength} body bytes${hex}`,
        );
        break;
      }
      case 'error': {
        this.counts.errors++;
        lines.push(`${at} ${c.bold.red('error')} ${c.red(event.code)}: ${event.message}`);
        break;
      }
    }
    return `${lines.join('\n')}\n`;
  }

  finish(): string {
    const n = this.counts;
    const parts = [
      n.messages > 0 ? plural(n.messages, 'message') : '',
      n.requests > 0 ? plural(n.requests, 'other request') : '',
      n.responses > 0 ? plural(n.responses, 'response') : '',
      n.records > 0 ? plural(n.records, 'record') : '',
      plural(n.errors, 'error'),
    ].filter((p) => p !== '');
    const summary = parts.join(', ');
    return `${n.errors > 0 ? this.c.red(summary) : this.c.dim(summary)}\n`;
  }

  private bodyLines(event: BodyEvent): string[] {
    const body = event.body;
    const typed = typedBodyOf(event);
    if (typed.kind === 'raw') return [`  body     (empty: ${typed.wireName} is not a protobuf message)`];
    if (body.length === 0 && typed.kind !== 'message') return ['  body     (empty)'];
    const lines = [body.length === 0 ? '  body     (empty)' : `  body     ${body.length} bytes`];
    const decoded = typed.kind === 'message' && typed.error === undefined;
    if (!decoded || this.hex) for (const l of hexDumpLines(body, this.hexLimit)) lines.push(`    ${this.c.dim(l)}`);
    lines.push(...typedLines(typed, this.c));
    if ('error' in typed && typed.error !== undefined) this.shownError = typed.error;
    return lines;
  }
}

/** The body as a tree: the type and its fields, text, or the schema-less reading, with any decode error. */
function typedLines(typed: TypedBody, c: ChalkInstance): string[] {
  const lines: string[] = [];
  switch (typed.kind) {
    case 'message': {
      const how = typed.encoding === 'json' ? ' (JSON)' : '';
      lines.push(`  ${c.bold(typed.typeName)}${how}${typed.error === undefined ? '' : c.red('  (partial)')}`);
      for (const l of formatMessageTree(typed.message, typed.type)) lines.push(`    ${l}`);
      break;
    }
    case 'text':
      lines.push(typed.typeName === undefined ? '  text' : `  text (not a valid ${typed.typeName})`);
      for (const l of typed.text.split('\n')) lines.push(`    ${l}`);
      break;
    case 'schemaless': {
      const label =
        typed.typeName === undefined
          ? 'protobuf (schema-less)'
          : `protobuf (schema-less; not a valid ${typed.typeName})`;
      lines.push(`  ${label}`);
      for (const l of formatSchemalessTree(typed.fields)) lines.push(`    ${l}`);
      const bad = typed.schemalessError;
      if (bad !== undefined) lines.push(`    (not protobuf from body offset ${bad.offset}: ${bad.message})`);
      break;
    }
    default:
      break;
  }
  if ('error' in typed && typed.error !== undefined) {
    const at = typed.error.offset === undefined ? '' : ` at @${typed.error.offset}`;
    lines.push(`  ${c.red(`${typed.error.code}${at}`)}: ${typed.error.message}`);
  }
  return lines;
}

/** `chunked 0x44 = 68 bytes`, `chunked 0x20+0x24 = 68 bytes (2 chunks)`, `content-length 68`, `no body`. */
export function framingText(event: {
  framing: string;
  chunks: number[];
  chunkCount?: number | undefined;
  body: Uint8Array;
}): string {
  switch (event.framing) {
    case 'chunked': {
      const count = event.chunkCount ?? event.chunks.length;
      // Sizes beyond those listed (see MAX_LISTED_CHUNKS) are shown as one `+...`.
      const unlisted = count > event.chunks.length ? '+...' : '';
      const hex = event.chunks.map((n) => `0x${n.toString(16)}`).join('+') + unlisted || 'no chunks';
      const many = count > 1 ? ` (${count} chunks)` : '';
      return `chunked ${hex} = ${event.body.length} bytes${many}`;
    }
    case 'content-length':
      return `content-length ${event.body.length}`;
    case 'until-close':
      return `until close, ${event.body.length} bytes`;
    default:
      return 'no body';
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
