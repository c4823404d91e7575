import type { ChalkInstance } from 'chalk';
import { printableText } from '../../proto/schemaless.ts';
import type { DecodeEvent } from '../events.ts';
import { hexDumpLines, schemalessLines } from './body.ts';
import type { EventWriter } from './json.ts';

/** Options of the text renderer. */
export interface TextWriterOptions {
  /** Bytes of each body shown in the hex dump (default 256). */
  hexLimit?: number;
}

/**
 * Human-readable rendering: per item its offset, what it is (from -> to and name for messages),
 * the framing (`chunked 0x44 = 68 bytes`), and the body as a hex dump plus a schema-less protobuf
 * (or text) view. Colour comes from the chalk instance given (level 0 = plain text).
 */
export class TextWriter implements EventWriter {
  private readonly c: ChalkInstance;
  private readonly hexLimit: number;
  private counts = { messages: 0, requests: 0, responses: 0, records: 0, errors: 0 };

  constructor(chalk: ChalkInstance, options: TextWriterOptions = {}) {
    this.c = chalk;
    this.hexLimit = options.hexLimit ?? 256;
  }

  write(event: DecodeEvent): string {
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
        lines.push(...this.bodyLines(event.body, true));
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
        lines.push(...this.bodyLines(event.body, false));
        break;
      }
      case 'response': {
        this.counts.responses++;
        const status = `${event.status} ${event.reason}`;
        const colored = event.status < 300 ? c.green(status) : event.status < 500 ? c.yellow(status) : c.red(status);
        lines.push(`${at} ${c.bold.magenta('response')} ${colored}  HTTP/${event.version}`);
        lines.push(`  framing  ${framingText(event)}`);
        lines.push(...this.bodyLines(event.body, false));
        break;
      }
      case 'record':
        this.counts.records++;
        lines.push(`${at} ${c.bold.cyan('record')} ${event.length} bytes (data @${event.dataOffset})`);
        lines.push(...this.bodyLines(event.body, false));
        break;
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

  private bodyLines(body: Uint8Array, protobuf: boolean): string[] {
    if (body.length === 0) return ['  body     (empty)'];
    const lines = [`  body     ${body.length} bytes`];
    for (const l of hexDumpLines(body, this.hexLimit)) lines.push(`    ${this.c.dim(l)}`);
    const text = protobuf ? undefined : printableText(body);
    if (text !== undefined) {
      lines.push('  text');
      for (const l of text.split('\n')) lines.push(`    ${l}`);
    } else {
      lines.push('  protobuf (schema-less)');
      for (const l of schemalessLines(body)) lines.push(`    ${l}`);
    }
    return lines;
  }
}

/** `chunked 0x44 = 68 bytes`, `chunked 0x20+0x24 = 68 bytes (2 chunks)`, `content-length 68`, `no body`. */
export function framingText(event: { framing: string; chunks: number[]; body: Uint8Array }): string {
  switch (event.framing) {
    case 'chunked': {
      const hex = event.chunks.map((n) => `0x${n.toString(16)}`).join('+') || 'no chunks';
      const many = event.chunks.length > 1 ? ` (${event.chunks.length} chunks)` : '';
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
