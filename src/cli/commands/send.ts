import { readFile } from 'node:fs/promises';
import { isMesosWireError, type MesosWireError, mwError } from '../../errors.ts';
import { formatUpid, type MessageStyle, parseUpid } from '../../libprocess/index.ts';
// Registers the bundled Mesos schemas, which --json encoding looks names up in.
import { type JsonNode, parseJson } from '../../proto/json-parse.ts';
import { encodeMessage, fromMesosJson, jsonNodeToMessage, missingRequiredFields } from '../../proto/json-read.ts';
import { lookupWireName } from '../../proto/registry.ts';
import type { PbType } from '../../proto/schema.ts';
import { LibprocessEndpoint } from '../../transport/endpoint.ts';
import { type CliContext, ioMessage, writeText } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';

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
  /** False with --no-answers: report a message once written instead of waiting for its 202. */
  answers?: boolean | undefined;
}

/** One message to send, after reading the options or a line of the messages file. */
interface PlannedMessage {
  readonly name: string;
  readonly body: Uint8Array;
  readonly to: string;
  readonly from: string | undefined;
}

/** Sends the messages the options describe; returns the exit code. */
export async function runSend(options: SendCommandOptions, ctx: CliContext): Promise<ExitCode> {
  let planned: PlannedMessage[];
  try {
    planned = await planMessages(options, ctx);
  } catch (error) {
    ctx.stderr.write(`mesos-wire send: ${describe(error)}\n`);
    if (!isMesosWireError(error)) return EXIT.IO; // the file could not be read
    // Bad option values are usage errors; bad JSON or bodies are errors in the input.
    return error.code === 'MW_INVALID_ARGUMENT' || error.code.startsWith('MW_UPID_') ? EXIT.USAGE : EXIT.INPUT_ERRORS;
  }
  const endpoint = await LibprocessEndpoint.listen({
    style: options.style ?? 'mesos-1.11',
    outbound: { maxConnectAttempts: 1 + (options.retries ?? 0), backoff: { initialMs: 100, maxMs: 1000 } },
  });
  const ndjson = options.format === 'ndjson';
  const awaitResponse = options.answers !== false;
  let refused = 0;
  let unreachable: MesosWireError | undefined;
  let usageError: MesosWireError | undefined;
  // Outcomes come in the order of `planned`.
  type Outcome = { status: number | undefined; error: MesosWireError | undefined };
  try {
    // Queue everything in order (waiting for room when the queue is full), then report the outcomes in order.
    const outcomes: Promise<Outcome>[] = [];
    for (const message of planned) {
      const outbound = { to: message.to, from: message.from, name: message.name, body: message.body };
      let settle: (outcome: Outcome) => void = () => {};
      outcomes.push(new Promise<Outcome>((resolve) => (settle = resolve)));
      const callback = (error: MesosWireError | undefined, receipt?: { status?: number }): void =>
        settle({ status: receipt?.status, error });
      try {
        while (!endpoint.write(outbound, callback, { awaitResponse })) await endpoint.whenWritable(message.to);
      } catch (error) {
        // Refused before sending: a name that cannot go into a request line, a body larger than the queue.
        if (!isMesosWireError(error)) throw error;
        settle({ status: undefined, error });
        usageError ??= error;
      }
    }
    const timeoutMs = options.timeout ?? 5000;
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(resolve, timeoutMs, 'timeout').unref());
    let timedOut: MesosWireError | undefined;
    for (let index = 0; index < outcomes.length; index++) {
      const message = planned[index]!;
      const result = timedOut === undefined ? await Promise.race([outcomes[index]!, deadline]) : 'timeout';
      const from = formatUpid(endpoint.upid()) === message.from ? undefined : message.from;
      const line = { name: message.name, to: message.to, from, bytes: message.body.length };
      if (result === 'timeout') {
        // Every message still gets its line: those not answered in time fail with the timeout.
        timedOut ??= mwError(
          'MW_TRANSPORT_TIMEOUT',
          `no answer within ${timeoutMs} ms (Mesos before 1.4 does not answer libprocess senders: --no-answers)`,
        );
        unreachable ??= timedOut;
        await writeResult(ctx, ndjson, { ...line, error: timedOut });
        continue;
      }
      const { status, error } = result;
      if (error !== undefined) {
        // Not delivered (unreachable, cut off, answers that are not HTTP): an I/O failure. A message refused before
        // sending is a usage error, which takes precedence below.
        unreachable ??= error;
        await writeResult(ctx, ndjson, { ...line, error });
        continue;
      }
      if (awaitResponse && (status === undefined || status < 200 || status > 299)) refused++;
      await writeResult(ctx, ndjson, { ...line, status });
    }
  } finally {
    // Half-close and read until the peer closes: closing with unread answers would reset the connection.
    const report = await endpoint.close(Math.min(options.timeout ?? 5000, 2000), { awaitAnswers: awaitResponse });
    if (report.unsent > 0) unreachable ??= mwError('MW_TRANSPORT_CLOSED', `${report.unsent} message(s) not sent`);
  }
  if (usageError !== undefined) {
    ctx.stderr.write(`mesos-wire send: ${describe(usageError)}\n`);
    return EXIT.USAGE;
  }
  if (unreachable !== undefined) {
    ctx.stderr.write(`mesos-wire send: ${unreachable.message}\n`);
    return EXIT.IO;
  }
  if (refused > 0) {
    ctx.stderr.write(`mesos-wire send: the peer refused ${refused} of ${planned.length} message(s)\n`);
    return EXIT.INPUT_ERRORS;
  }
  return EXIT.OK;
}

async function writeResult(
  ctx: CliContext,
  ndjson: boolean,
  result: {
    name: string;
    to: string;
    from?: string | undefined;
    bytes: number;
    status?: number | undefined;
    error?: MesosWireError;
  },
): Promise<void> {
  if (ndjson) {
    const record: Record<string, unknown> = { name: result.name, to: result.to, bytes: result.bytes };
    if (result.from !== undefined) record.from = result.from;
    if (result.status !== undefined) record.status = result.status;
    if (result.error !== undefined) record.error = result.error.toJSON();
    await writeText(ctx.stdout, `${JSON.stringify(record)}\n`);
    return;
  }
  const outcome =
    result.error !== undefined
      ? `failed: ${result.error.message}`
      : result.status === undefined
        ? 'sent'
        : `${result.status}`;
  await writeText(ctx.stdout, `${outcome}  ${result.name} -> ${result.to} (${result.bytes} bytes)\n`);
}

async function planMessages(options: SendCommandOptions, ctx: CliContext): Promise<PlannedMessage[]> {
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
    const text = await readText(options.messages, ctx);
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
  else if (options.json !== undefined)
    body = fromMesosJson(await readText(options.json, ctx), bodyTypeOf(options.name));
  return [{ name: options.name, body, to, from }];
}

function planLine(line: string, lineNumber: number, to: string, from: string | undefined): PlannedMessage {
  const where = `messages line ${lineNumber}`;
  let record: JsonNode;
  try {
    // The lossless parser keeps 64-bit numbers exact (JSON.parse would round them).
    record = parseJson(line);
  } catch (error) {
    throw mwError('MW_JSON_PARSE', `${where}: ${(error as Error).message}`, { cause: error });
  }
  if (record.kind !== 'object') throw mwError('MW_JSON_TYPE', `${where}: not a JSON object`);
  const text = (key: string): string | undefined => {
    const node = record.entries.get(key);
    if (node === undefined) return undefined;
    if (node.kind !== 'string') throw mwError('MW_JSON_TYPE', `${where}: "${key}" is not a string`);
    return node.value;
  };
  const name = text('name');
  if (name === undefined) throw mwError('MW_INVALID_ARGUMENT', `${where}: no "name"`);
  const bodyHex = text('bodyHex');
  const json = record.entries.get('json');
  let body: Uint8Array = new Uint8Array(0);
  if (bodyHex !== undefined) body = parseHex(bodyHex);
  else if (json !== undefined) body = encodeJsonNode(json, bodyTypeOf(name), where);
  const toText = text('to');
  const fromText = text('from');
  return {
    name,
    body,
    to: toText === undefined ? to : formatUpid(parseUpid(toText)),
    from: fromText === undefined ? from : formatUpid(parseUpid(fromText)),
  };
}

/** The protobuf type a message name carries (MW_PROTO_UNKNOWN_TYPE when the schemas do not know it). */
function bodyTypeOf(name: string): PbType {
  const type = lookupWireName(name)?.type;
  if (type === undefined) {
    throw mwError('MW_PROTO_UNKNOWN_TYPE', `no schema for message name ${name}: give the body with --body-hex`);
  }
  return type;
}

function encodeJsonNode(node: JsonNode, type: PbType, where: string): Uint8Array {
  const message = jsonNodeToMessage(node, type);
  const missing = missingRequiredFields(message, type);
  if (missing.length > 0) {
    throw mwError('MW_PROTO_MISSING_REQUIRED', `${where}: missing required fields: ${missing.join(', ')}`);
  }
  return encodeMessage(message, type);
}

async function readText(file: string, ctx: CliContext): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  let text = '';
  for await (const chunk of ctx.stdin as AsyncIterable<Buffer | string>)
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text;
}

/** Hex text (spaces allowed) -> bytes; MW_INVALID_ARGUMENT for anything else. */
export function parseHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) throw mwError('MW_INVALID_ARGUMENT', `not hex bytes: "${text}"`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

function describe(error: unknown): string {
  return isMesosWireError(error) ? `${error.code}: ${error.message}` : ioMessage(error);
}
