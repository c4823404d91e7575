import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { messageTypeTag, type TypedBody } from '../../analysis/body-decode.ts';
import { TrafficStats } from '../../analysis/stats.ts';
import { targetPath } from '../../libprocess/index.ts';
import { type RawInputKind, RawStreamDecoder } from '../../pipeline/raw-stream.ts';
import type { PbType } from '../../proto/schema.ts';
import { runCaptureStats } from '../capture-commands.ts';
import { sniffCaptureInput } from '../capture-input.ts';
import { type CliContext, ioMessage, writeText } from '../context.ts';
import type { DecodeEvent } from '../events.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { stringifyJson } from '../render/body.ts';
import { statsText } from '../render/stats.ts';

/** Options of `mesos-wire stats`. */
export interface StatsOptions {
  input: RawInputKind;
  format: 'text' | 'json';
  type?: PbType;
  /** Flow rows kept for a capture (SessionStats' default when absent). */
  maxFlows?: number;
}

/** Bigger reads than decode's: nothing is printed per item, so latency does not matter. */
const READ_CHUNK_BYTES = 1024 * 1024;

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
  if (options.input === 'auto') {
    // A capture is told by content, on standard input too (then ctx.stdin replays the bytes looked at).
    const sniffed = await sniffCaptureInput(file, ctx);
    ctx = sniffed.ctx;
    if (sniffed.format === 'pcap' || sniffed.format === 'pcapng') return runCaptureStats(file, options, ctx);
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
