import { readFile, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { isMesosWireError } from '../../errors.ts';
import { encodeMessage, type MessageStyle, type Upid } from '../../libprocess/index.ts';
import { fromMesosJson } from '../../proto/json-read.ts';
import { lookupWireName } from '../../proto/registry.ts';
import { type CliContext, ioMessage } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';

/** Options of `mesos-wire encode`. */
export interface EncodeOptions {
  name: string;
  from: Upid;
  to: Upid;
  bodyFile?: string;
  bodyHex?: Uint8Array;
  /** Mesos JSON of the body (a file, or - for standard input). */
  json?: string;
  style: MessageStyle;
  output?: string;
}

async function readAll(stream: Readable): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

/**
 * `--json`: Mesos JSON -> protobuf bytes of the type the wire name carries. Returns the bytes, or an exit code: 1 when
 * the JSON does not fit the type (reported with its code and offset), 3 when the file cannot be read.
 */
async function encodeJsonBody(
  options: EncodeOptions,
  ctx: CliContext,
  command: Command,
): Promise<Uint8Array | ExitCode> {
  const info = lookupWireName(options.name);
  if (info?.type === undefined) {
    const why = info === undefined ? 'is not a known wire name' : 'carries no protobuf body';
    command.error(`error: option '--name <name>' argument '${options.name}' ${why}, so --json cannot be encoded.`, {
      exitCode: EXIT.USAGE,
      code: 'commander.invalidArgument',
    });
  }
  const source = options.json === '-' ? 'standard input' : options.json!;
  let text: Uint8Array;
  try {
    text = options.json === '-' ? await readAll(ctx.stdin) : await readFile(options.json!);
  } catch (error) {
    ctx.stderr.write(`mesos-wire: cannot read ${source}: ${ioMessage(error)}\n`);
    return EXIT.IO;
  }
  try {
    return fromMesosJson(text, info!.type!);
  } catch (error) {
    if (!isMesosWireError(error)) throw error;
    const at = error.offset === undefined ? '' : ` at offset ${error.offset}`;
    ctx.stderr.write(`mesos-wire: ${source}: ${error.code}${at}: ${error.message}\n`);
    return EXIT.INPUT_ERRORS;
  }
}

/** Runs the encode; returns the exit code. */
export async function runEncode(options: EncodeOptions, ctx: CliContext, command: Command): Promise<ExitCode> {
  let body: Uint8Array = options.bodyHex ?? new Uint8Array(0);
  if (options.json !== undefined) {
    const encoded = await encodeJsonBody(options, ctx, command);
    if (typeof encoded === 'number') return encoded;
    body = encoded;
  }
  if (options.bodyFile !== undefined) {
    try {
      body = await readFile(options.bodyFile);
    } catch (error) {
      ctx.stderr.write(`mesos-wire: cannot read ${options.bodyFile}: ${ioMessage(error)}\n`);
      return EXIT.IO;
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = encodeMessage({ name: options.name, from: options.from, to: options.to, body }, options.style);
  } catch (error) {
    if (!isMesosWireError(error)) throw error;
    command.error(`error: option '--name <name>' argument '${options.name}' is invalid. ${error.message}.`, {
      exitCode: EXIT.USAGE,
      code: 'commander.invalidArgument',
    });
  }
  if (options.output !== undefined) {
    try {
      await writeFile(options.output, bytes);
    } catch (error) {
      ctx.stderr.write(`mesos-wire: cannot write ${options.output}: ${ioMessage(error)}\n`);
      return EXIT.IO;
    }
    return EXIT.OK;
  }
  await new Promise<void>((resolve, reject) => ctx.stdout.write(bytes, (e) => (e ? reject(e) : resolve())));
  return EXIT.OK;
}
