import { readFile, writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isMesosWireError } from '../../errors.ts';
import { encodeMessage, MESSAGE_STYLES, type MessageStyle, parseUpid, type Upid } from '../../libprocess/index.ts';
import { type CliContext, ioMessage } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';

/** Options of `mesos-wire encode`. */
export interface EncodeOptions {
  name: string;
  from: Upid;
  to: Upid;
  bodyFile?: string;
  bodyHex?: Uint8Array;
  style: MessageStyle;
  output?: string;
}

function upidArgument(value: string): Upid {
  try {
    return parseUpid(value);
  } catch (error) {
    if (isMesosWireError(error)) {
      throw new InvalidArgumentError(`${error.message} (${error.code} at character ${error.offset}).`);
    }
    throw error;
  }
}

function hexArgument(value: string): Uint8Array {
  const clean = value.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new InvalidArgumentError('expected hex digits in pairs (spaces and colons are ignored).');
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `mesos-wire encode`: writes the framed bytes of one libprocess message, as a given Mesos era would. */
export function encodeCommand(ctx: CliContext): Command {
  return new Command('encode')
    .description('Write one libprocess message, framed byte for byte as Mesos writes it.')
    .requiredOption('--name <name>', 'message name, e.g. mesos.internal.PingSlaveMessage')
    .requiredOption('--from <upid>', 'sender UPID, id@host:port', upidArgument)
    .requiredOption('--to <upid>', 'receiver UPID, id@host:port', upidArgument)
    .addOption(new Option('--body-file <file>', 'body bytes (serialized protobuf) from a file').conflicts('bodyHex'))
    .addOption(new Option('--body-hex <hex>', 'body bytes as hex').argParser(hexArgument))
    .addOption(
      new Option('--style <style>', 'framing of a Mesos era or third-party sender')
        .choices(MESSAGE_STYLES)
        .default('mesos-1.11'),
    )
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (options: EncodeOptions, command: Command) => {
      ctx.setExit(await runEncode(options, ctx, command));
    });
}

/** Runs the encode; returns the exit code. */
export async function runEncode(options: EncodeOptions, ctx: CliContext, command: Command): Promise<ExitCode> {
  let body: Uint8Array = options.bodyHex ?? new Uint8Array(0);
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
