import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolveTypeName } from '../../analysis/body-decode.ts';
import type { DecodedEvent } from '../../pipeline/events.ts';
import { type RawInputKind, RawStreamDecoder } from '../../pipeline/raw-stream.ts';
import type { PbType } from '../../proto/schema.ts';
import { runCaptureDecode } from '../capture-commands.ts';
import { sniffCaptureFile } from '../capture-input.ts';
import { captureEventFilter } from '../capture-output.ts';
import { type CliContext, ioMessage, writeText } from '../context.ts';
import type { DecodeEvent } from '../events.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { chalkFor } from '../render/color.ts';
import { type EventWriter, JsonArrayWriter, NdjsonWriter } from '../render/json.ts';
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

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/** `--type NAME`: a full protobuf type name or a libprocess wire name. */
export function typeArgument(value: string): PbType {
  const type = resolveTypeName(value);
  if (type === undefined) {
    throw new InvalidArgumentError(`no protobuf type or wire name ${value} (see mesos-wire schema).`);
  }
  return type;
}

/** `mesos-wire decode [file|-]`: decodes a raw byte stream (libprocess HTTP traffic or RecordIO). */
export function decodeCommand(ctx: CliContext): Command {
  return new Command('decode')
    .description(
      'Decode a pcap/pcapng capture (detected by content: TCP reassembly, both directions of every connection, ' +
        'with flow, frame and time per item, and anomalies as diagnostics), or a raw byte stream: one TCP ' +
        'direction of libprocess traffic (requests and responses back to back) or a RecordIO stream. Prints each ' +
        'item as soon as it is decoded.',
    )
    .argument('[file]', 'input file, or - for standard input (raw streams only)', '-')
    .addOption(
      new Option('--input <kind>', 'what the stream holds').choices(['auto', 'http', 'recordio']).default('auto'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'ndjson']).default('text'))
    .option('--max-record-bytes <n>', 'largest RecordIO record accepted (default 64 MiB)', positiveInt)
    .option('--hex-limit <n>', 'body bytes shown in hex dumps (text format)', positiveInt, 256)
    .option('--hex', 'text format: hex dumps of bodies that decoded with their type too')
    .option(
      '--type <name>',
      'type of RecordIO records, e.g. mesos.v1.scheduler.Event (default: by endpoint, else detected)',
      typeArgument,
    )
    .option('--name <glob>', 'only items whose wire name, request path or body type (Type.TAG) matches (* and ?)')
    .option('--upid <upid>', 'captures: only libprocess messages from or to this UPID')
    .option('--flow <ip:port>ip:port>', 'captures: only this connection (either direction), or ip:port for any')
    .option('--framework <id>', 'only items whose typed body names this framework id')
    .action(async (file: string, options: DecodeOptions) => {
      ctx.setExit(await runDecode(file, options, ctx));
    });
}

/** Runs the decode; returns the exit code (0 clean, 1 input errors, 3 unreadable input). */
export async function runDecode(file: string, options: DecodeOptions, ctx: CliContext): Promise<ExitCode> {
  if (file !== '-' && options.input === 'auto') {
    const format = await sniffCaptureFile(file);
    if (format === 'pcap' || format === 'pcapng') return runCaptureDecode(file, options, ctx);
  }
  const writer: EventWriter =
    options.format === 'ndjson'
      ? new NdjsonWriter()
      : options.format === 'json'
        ? new JsonArrayWriter()
        : new TextWriter(chalkFor(ctx.stdout, ctx.env), { hexLimit: options.hexLimit, hex: options.hex });
  let out = '';
  let emitted = 0;
  const keep = captureEventFilter(options);
  const emit = (event: DecodeEvent) => {
    if (keep !== undefined && !keep(event as unknown as DecodedEvent)) return;
    emitted++;
    out += writer.write(event);
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
      if (emitted > 0) await writeText(ctx.stdout, out + writer.finish());
      ctx.stderr.write(`mesos-wire: cannot read ${file === '-' ? 'standard input' : file}: ${ioMessage(error)}\n`);
      return EXIT.IO;
    }
    if (step.done === true) break;
    decoder.write(step.value);
    // Print what this piece produced before reading on (and wait while the output is slow).
    const text = out;
    out = '';
    await writeText(ctx.stdout, text);
  }
  decoder.end();
  await writeText(ctx.stdout, out + writer.finish());
  return decoder.errors > 0 ? EXIT.INPUT_ERRORS : EXIT.OK;
}
