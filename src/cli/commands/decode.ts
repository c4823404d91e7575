import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { InvalidArgumentError } from 'commander';
import { resolveTypeName } from '../../analysis/body-decode.ts';
import type { DecodedEvent } from '../../pipeline/events.ts';
import { type RawInputKind, RawStreamDecoder } from '../../pipeline/raw-stream.ts';
import type { PbType } from '../../proto/schema.ts';
import { runCaptureDecode } from '../capture-commands.ts';
import { sniffCaptureInput } from '../capture-input.ts';
import { captureEventFilter } from '../capture-output.ts';
import { type CliContext, ioMessage } from '../context.ts';
import type { DecodeEvent } from '../events.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { OutputBuffer } from '../output-buffer.ts';
import { chalkFor } from '../render/color.ts';
import { type EventWriter, JsonArrayWriter, NdjsonWriter, writeEvent } from '../render/json.ts';
import { TextWriter } from '../render/text.ts';

/** Options of `mesos-wire decode`. */
export interface DecodeOptions {
  input: RawInputKind;
  format: 'text' | 'json' | 'ndjson';
  maxRecordBytes?: number;
  hexLimit: number;
  /** Show hex dumps of typed bodies too. */
  hex?: boolean;
  /** Type of RecordIO records. */
  type?: PbType;
  /** Filters (captures): wire name / body type glob, sender or receiver UPID, connection, framework id. */
  name?: string;
  upid?: string;
  flow?: string;
  framework?: string;
}

/** Read size: pieces of the file are decoded and printed as they arrive, never the whole file at once. */
const READ_CHUNK_BYTES = 64 * 1024;

/** `--type NAME`: a full protobuf type name or a libprocess wire name. */
export function typeArgument(value: string): PbType {
  const type = resolveTypeName(value);
  if (type === undefined) {
    throw new InvalidArgumentError(`no protobuf type or wire name ${value} (see mesos-wire schema).`);
  }
  return type;
}

/** Runs the decode; returns the exit code (0 clean, 1 input errors, 3 unreadable input). */
export async function runDecode(file: string, options: DecodeOptions, ctx: CliContext): Promise<ExitCode> {
  if (options.input === 'auto') {
    // A capture is told by content, on standard input too (then ctx.stdin replays the bytes looked at).
    const sniffed = await sniffCaptureInput(file, ctx);
    ctx = sniffed.ctx;
    if (sniffed.format === 'pcap' || sniffed.format === 'pcapng') return runCaptureDecode(file, options, ctx);
  }
  const writer: EventWriter =
    options.format === 'ndjson'
      ? new NdjsonWriter()
      : options.format === 'json'
        ? new JsonArrayWriter()
        : new TextWriter(chalkFor(ctx.stdout, ctx.env), { hexLimit: options.hexLimit, hex: options.hex });
  const output = new OutputBuffer(ctx.stdout);
  let emitted = 0;
  const keep = captureEventFilter(options);
  const emit = (event: DecodeEvent) => {
    if (keep !== undefined && !keep(event as unknown as DecodedEvent)) return;
    emitted++;
    writeEvent(writer, event, output);
  };
  const decoder = new RawStreamDecoder(options.input, emit, {
    maxRecordBytes: options.maxRecordBytes,
    recordType: options.type,
  });
  const source: Readable = file === '-' ? ctx.stdin : createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  for (;;) {
    let step: IteratorResult<Uint8Array>;
    try {
      step = await chunks.next();
    } catch (error) {
      // Close what was printed (a JSON array, a summary), but print nothing for a file that never opened.
      if (emitted > 0) {
        output.add(writer.finish());
        await output.flush();
      }
      ctx.stderr.write(`mesos-wire: cannot read ${file === '-' ? 'standard input' : file}: ${ioMessage(error)}\n`);
      return EXIT.IO;
    }
    if (step.done === true) break;
    decoder.write(step.value);
    // Print what this piece produced before reading on (and wait while the output is slow).
    await output.flush();
  }
  decoder.end();
  output.add(writer.finish());
  await output.flush();
  return decoder.errors > 0 ? EXIT.INPUT_ERRORS : EXIT.OK;
}
