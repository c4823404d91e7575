import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isMesosWireError, type MesosWireError, mwError } from '../../errors.ts';
import { formatUpid, MESSAGE_STYLES, type MessageStyle, parseUpid } from '../../libprocess/index.ts';
import { LibprocessEndpoint } from '../../transport/endpoint.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';

/** Where the transport commands write, read and report their exit code (main.ts provides the process's). */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly stdin: AsyncIterable<Buffer | string>;
  /** Stops long-running commands (listen, replay) gracefully. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `mesos-wire send`, as parsed. */
export interface SendCommandOptions {
  to: string;
  name?: string | undefined;
  json?: string | undefined;
  bodyHex?: string | undefined;
  bodyFile?: string | undefined;
  messages?: string | undefined;
  from?: string | undefined;
  style?: MessageStyle | undefined;
  format?: 'text' | 'ndjson' | undefined;
  timeout?: number | undefined;
  retries?: number | undefined;
}

/** One message to send, after reading the options or a line of the messages file. */
interface PlannedMessage {
  readonly name: string;
  readonly body: Uint8Array;
  readonly to: string;
  readonly from: string | undefined;
}

/**
 * Encodes a Mesos JSON body for message `name`. Set by the proto layer's JSON encoder once available; until then
 * `--json` is refused with a clear message.
 */
export type JsonBodyEncoder = (name: string, json: unknown) => Uint8Array;

let jsonBodyEncoder: JsonBodyEncoder | undefined;

/** Installs the JSON -> protobuf body encoder used by `send --json`. */
export function setJsonBodyEncoder(encoder: JsonBodyEncoder): void {
  jsonBodyEncoder = encoder;
}

/** `mesos-wire send`: commander wiring only; `runSend` does the work. */
export function sendCommand(io: CommandIo, setExitCode: (code: ExitCode) => void): Command {
  return new Command('send')
    .description(
      'Send libprocess messages to a peer, as libprocess writes them, and report its answers ' +
        '(exit 1 if it refuses one, 3 if it cannot be reached).',
    )
    .requiredOption('--to <upid>', 'receiver UPID, e.g. master@127.0.0.1:5050')
    .option('--name <name>', 'message name, e.g. mesos.internal.PingSlaveMessage')
    .option('--json <file>', 'body as Mesos JSON for the message type of --name ("-" reads stdin)')
    .option('--body-hex <hex>', 'body as hex bytes')
    .option('--body-file <file>', 'body as raw bytes from a file')
    .option('--messages <file>', 'ndjson file of {"name", "json"|"bodyHex", "to"?, "from"?} ("-" reads stdin)')
    .option('--from <upid>', 'sender UPID written into the headers (default: mesos-wire@<local address>)')
    .addOption(new Option('--style <style>', 'framing of a Mesos era').choices(MESSAGE_STYLES).default('mesos-1.11'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'ndjson']).default('text'))
    .option('--timeout <ms>', 'how long to wait for the answers', parseNonNegative, 5000)
    .option('--retries <n>', 'connect attempts after the first one fails', parseNonNegative, 0)
    .action(async (options: SendCommandOptions) => {
      setExitCode(await runSend(options, io));
    });
}

/** Sends the messages the options describe; returns the exit code. */
export async function runSend(options: SendCommandOptions, io: CommandIo): Promise<ExitCode> {
  let planned: PlannedMessage[];
  try {
    planned = await planMessages(options, io);
  } catch (error) {
    io.stderr.write(`mesos-wire send: ${describe(error)}\n`);
    return isMesosWireError(error) && error.code === 'MW_TRANSPORT_CONNECT' ? EXIT.IO : EXIT.USAGE;
  }
  const endpoint = await LibprocessEndpoint.listen({
    style: options.style ?? 'mesos-1.11',
    outbound: { maxConnectAttempts: 1 + (options.retries ?? 0), backoff: { initialMs: 100, maxMs: 1000 } },
  });
  const ndjson = options.format === 'ndjson';
  let refused = 0;
  let unreachable: MesosWireError | undefined;
  try {
    const receipts = planned.map((message) =>
      endpoint
        .send({ to: message.to, from: message.from, name: message.name, body: message.body }, { awaitResponse: true })
        .then(
          (receipt) => ({ message, status: receipt.status, error: undefined }),
          (error: MesosWireError) => ({ message, status: undefined, error }),
        ),
    );
    const timeoutMs = options.timeout ?? 5000;
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(resolve, timeoutMs, 'timeout').unref());
    for (const pending of receipts) {
      const result = await Promise.race([pending, deadline]);
      if (result === 'timeout') {
        unreachable ??= mwError('MW_TRANSPORT_TIMEOUT', `no answer within ${timeoutMs} ms`);
        break;
      }
      const { message, status, error } = result;
      const from = formatUpid(endpoint.upid()) === message.from ? undefined : message.from;
      if (error !== undefined) {
        if (error.code === 'MW_TRANSPORT_CONNECT' || error.code === 'MW_TRANSPORT_CLOSED') unreachable ??= error;
        writeResult(io, ndjson, { name: message.name, to: message.to, from, bytes: message.body.length, error });
        continue;
      }
      if (status === undefined || status < 200 || status > 299) refused++;
      writeResult(io, ndjson, { name: message.name, to: message.to, from, bytes: message.body.length, status });
    }
  } finally {
    await endpoint.close(500);
  }
  if (unreachable !== undefined) {
    io.stderr.write(`mesos-wire send: ${unreachable.message}\n`);
    return EXIT.IO;
  }
  if (refused > 0) {
    io.stderr.write(`mesos-wire send: the peer refused ${refused} of ${planned.length} message(s)\n`);
    return EXIT.INPUT_ERRORS;
  }
  return EXIT.OK;
}

function writeResult(
  io: CommandIo,
  ndjson: boolean,
  result: {
    name: string;
    to: string;
    from?: string | undefined;
    bytes: number;
    status?: number | undefined;
    error?: MesosWireError;
  },
): void {
  if (ndjson) {
    const record: Record<string, unknown> = { name: result.name, to: result.to, bytes: result.bytes };
    if (result.from !== undefined) record.from = result.from;
    if (result.status !== undefined) record.status = result.status;
    if (result.error !== undefined) record.error = result.error.toJSON();
    io.stdout.write(`${JSON.stringify(record)}\n`);
    return;
  }
  const outcome = result.error !== undefined ? `failed: ${result.error.message}` : `${result.status}`;
  io.stdout.write(`${outcome}  ${result.name} -> ${result.to} (${result.bytes} bytes)\n`);
}

async function planMessages(options: SendCommandOptions, io: CommandIo): Promise<PlannedMessage[]> {
  const to = formatUpid(parseUpid(options.to));
  const from = options.from === undefined ? undefined : formatUpid(parseUpid(options.from));
  const bodySources = [options.json, options.bodyHex, options.bodyFile].filter((v) => v !== undefined).length;
  if (options.messages !== undefined) {
    if (bodySources > 0 || options.name !== undefined) {
      throw mwError(
        'MW_INVALID_ARGUMENT',
        '--messages cannot be combined with --name, --json, --body-hex or --body-file',
      );
    }
    const text = await readText(options.messages, io);
    return text
      .split('\n')
      .map((line, index) => ({ line: line.trim(), index }))
      .filter(({ line }) => line.length > 0)
      .map(({ line, index }) => planLine(line, index + 1, to, from));
  }
  if (options.name === undefined) throw mwError('MW_INVALID_ARGUMENT', 'give --name (or --messages)');
  if (bodySources > 1) throw mwError('MW_INVALID_ARGUMENT', 'give at most one of --json, --body-hex, --body-file');
  let body: Uint8Array = new Uint8Array(0);
  if (options.bodyHex !== undefined) body = parseHex(options.bodyHex);
  else if (options.bodyFile !== undefined) body = new Uint8Array(await readFile(options.bodyFile));
  else if (options.json !== undefined) body = encodeJson(options.name, JSON.parse(await readText(options.json, io)));
  return [{ name: options.name, body, to, from }];
}

function planLine(line: string, lineNumber: number, to: string, from: string | undefined): PlannedMessage {
  let record: { name?: unknown; json?: unknown; bodyHex?: unknown; to?: unknown; from?: unknown };
  try {
    record = JSON.parse(line);
  } catch (error) {
    throw mwError('MW_JSON_PARSE', `messages line ${lineNumber}: ${(error as Error).message}`);
  }
  if (typeof record.name !== 'string') throw mwError('MW_INVALID_ARGUMENT', `messages line ${lineNumber}: no "name"`);
  let body: Uint8Array = new Uint8Array(0);
  if (typeof record.bodyHex === 'string') body = parseHex(record.bodyHex);
  else if (record.json !== undefined) body = encodeJson(record.name, record.json);
  return {
    name: record.name,
    body,
    to: typeof record.to === 'string' ? formatUpid(parseUpid(record.to)) : to,
    from: typeof record.from === 'string' ? formatUpid(parseUpid(record.from)) : from,
  };
}

function encodeJson(name: string, json: unknown): Uint8Array {
  if (jsonBodyEncoder === undefined) {
    throw mwError(
      'MW_INVALID_ARGUMENT',
      'JSON bodies need the Mesos JSON encoder, which is not available yet: use --body-hex',
    );
  }
  return jsonBodyEncoder(name, json);
}

async function readText(file: string, io: CommandIo): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text;
}

/** Hex text (spaces allowed) -> bytes; MW_INVALID_ARGUMENT for anything else. */
export function parseHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) throw mwError('MW_INVALID_ARGUMENT', `not hex bytes: "${text}"`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** Commander parser for counts and milliseconds. */
export function parseNonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`not a non-negative number: ${value}`);
  return n;
}

function describe(error: unknown): string {
  return isMesosWireError(error) ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
}
