import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Command, Option } from 'commander';
import { messageTypeTag, type TypedBody } from '../../analysis/body-decode.ts';
import { TrafficStats } from '../../analysis/stats.ts';
import { targetPath } from '../../libprocess/index.ts';
import { type RawInputKind, RawStreamDecoder } from '../../pipeline/raw-stream.ts';
import type { PbType } from '../../proto/schema.ts';
import { runCaptureStats } from '../capture-commands.ts';
import { sniffCaptureFile } from '../capture-input.ts';
import { type CliContext, ioMessage, writeText } from '../context.ts';
import type { DecodeEvent } from '../events.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { stringifyJson } from '../render/body.ts';
import { statsText } from '../render/stats.ts';
import { typeArgument } from './decode.ts';

/** Options of `mesos-wire stats`. */
export interface StatsOptions {
  input: RawInputKind;
  format: 'text' | 'json';
  type?: PbType;
}

/** Bigger reads than decode's: nothing is printed per item, so latency does not matter. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** `mesos-wire stats FILE`: decodes everything (bodies included) and prints counts and bytes per type. */
export function statsCommand(ctx: CliContext): Command {
  return new Command('stats')
    .description(
      'Decode a whole capture (pcap/pcapng) or raw stream (libprocess traffic or RecordIO, bodies included) and ' +
        'print counts and bytes: messages by name, other requests, responses by status, records by event type, ' +
        'errors by code; for captures also per flow, framework and agent, latencies between related messages ' +
        '(offer -> accept, launch -> TASK_RUNNING, status update -> acknowledgement) and diagnostics by kind.',
    )
    .argument('[file]', 'input file, or - for standard input', '-')
    .addOption(
      new Option('--input <kind>', 'what the stream holds').choices(['auto', 'http', 'recordio']).default('auto'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--type <name>', 'type of RecordIO records (default: by endpoint, else detected)', typeArgument)
    .action(async (file: string, options: StatsOptions) => {
      ctx.setExit(await runStats(file, options, ctx));
    });
}

function decoded(typed: TypedBody | undefined): boolean {
  return typed === undefined || !('error' in typed) || typed.error === undefined;
}

function recordKey(typed: TypedBody | undefined): string {
  if (typed?.kind !== 'message') return typed?.kind === 'text' ? 'text' : 'untyped';
  const tag = messageTypeTag(typed);
  return tag === undefined ? typed.typeName : `${typed.typeName} ${tag}`;
}

/** Feeds one decoded event to the accumulator (`statuses` remembers streamed responses until their end). */
export function countEvent(stats: TrafficStats, event: DecodeEvent, statuses: Map<number, number>): void {
  switch (event.type) {
    case 'message': {
      const typeName = event.typed?.kind === 'message' ? event.typed.typeName : null;
      stats.addMessage(event.name, typeName, event.body.length, event.end - event.offset, decoded(event.typed));
      return;
    }
    case 'request':
      stats.addRequest(
        event.method,
        targetPath(event.target) || event.target,
        event.body.length,
        event.end - event.offset,
        decoded(event.typed),
      );
      return;
    case 'response':
      if (event.stream !== undefined) {
        statuses.set(event.offset, event.status);
        stats.addResponse(event.status, 0, 0, true);
      } else stats.addResponse(event.status, event.body.length, event.end - event.offset, decoded(event.typed));
      return;
    case 'stream-end': {
      const status = statuses.get(event.offset);
      statuses.delete(event.offset);
      if (status !== undefined) stats.addResponseBytes(status, event.bodyLength, event.end - event.offset);
      return;
    }
    case 'record':
      stats.addRecord(
        recordKey(event.typed),
        event.length,
        event.dataOffset - event.offset + event.length,
        decoded(event.typed),
        event.response !== undefined,
      );
      return;
    case 'error':
      stats.addError(event.code);
      return;
  }
}

/** Runs the command; returns the exit code (0 clean, 1 input errors, 3 unreadable input). */
export async function runStats(file: string, options: StatsOptions, ctx: CliContext): Promise<ExitCode> {
  if (file !== '-' && options.input === 'auto') {
    const format = await sniffCaptureFile(file);
    if (format === 'pcap' || format === 'pcapng') return runCaptureStats(file, options, ctx);
  }
  const stats = new TrafficStats();
  const statuses = new Map<number, number>();
  const decoder = new RawStreamDecoder(options.input, (event) => countEvent(stats, event, statuses), {
    recordType: options.type,
  });
  const source: Readable = file === '-' ? ctx.stdin : createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of source) decoder.write(chunk as Uint8Array);
  } catch (error) {
    ctx.stderr.write(`mesos-wire: cannot read ${file === '-' ? 'standard input' : file}: ${ioMessage(error)}\n`);
    return EXIT.IO;
  }
  decoder.end();
  const summary = stats.summary();
  await writeText(ctx.stdout, options.format === 'json' ? `${stringifyJson(summary)}\n` : statsText(summary));
  return decoder.errors > 0 ? EXIT.INPUT_ERRORS : EXIT.OK;
}
