import { readFile } from 'node:fs/promises';
import { isMesosWireError, mwError } from '../../errors.ts';
import { formatUpid, type MessageStyle, parseUpid } from '../../libprocess/index.ts';
import { LibprocessEndpoint } from '../../transport/endpoint.ts';
import {
  type CapturedMessage,
  messagesFromCaptureFile,
  messagesFromRawStream,
  nameGlob,
  parseRewrite,
  type ReplayEvent,
  type ReplayReport,
  replayMessages,
} from '../../transport/replay.ts';
import { type CliContext, ioMessage, writeText } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';

/** Options of `mesos-wire replay`, as parsed. */
export interface ReplayCommandOptions {
  to: string;
  speed?: number | undefined;
  rate?: number | undefined;
  rewriteFrom?: string[] | undefined;
  name?: string[] | undefined;
  dryRun?: boolean | undefined;
  listen?: string | undefined;
  wait?: number | undefined;
  /** How long to wait for missing answers after the last message was sent, in ms (default 5000). */
  timeout?: number | undefined;
  style?: MessageStyle | undefined;
  format?: 'text' | 'ndjson' | undefined;
  /** False with --no-answers. */
  answers?: boolean | undefined;
}

/** Replays `capture` as the options say; returns the exit code. */
export async function runReplay(capture: string, options: ReplayCommandOptions, ctx: CliContext): Promise<ExitCode> {
  let messages: CapturedMessage[];
  let target: { host: string; port: number; id?: string };
  let rewrites: Map<string, string>;
  let listenAt: { host: string; port: number };
  try {
    target = parseTarget(options.to);
    listenAt = parseAddress(options.listen ?? '127.0.0.1:0', true);
    rewrites = new Map((options.rewriteFrom ?? []).map(parseRewrite));
    if (options.speed !== undefined && options.rate !== undefined) {
      throw mwError('MW_INVALID_ARGUMENT', 'give --speed or --rate, not both');
    }
  } catch (error) {
    ctx.stderr.write(`mesos-wire replay: ${isMesosWireError(error) ? error.message : String(error)}\n`);
    return EXIT.USAGE;
  }
  try {
    messages = await loadCapture(capture, ctx);
  } catch (error) {
    ctx.stderr.write(`mesos-wire replay: ${isMesosWireError(error) ? error.message : ioMessage(error)}\n`);
    // A pcap given as `-` is a usage error; a file that cannot be read or parsed, an I/O one.
    return isMesosWireError(error) && error.code === 'MW_INVALID_ARGUMENT' ? EXIT.USAGE : EXIT.IO;
  }
  const globs = (options.name ?? []).map(nameGlob);
  const filter = globs.length === 0 ? undefined : (m: CapturedMessage) => globs.some((g) => g(m.name));
  const ndjson = options.format === 'ndjson';
  // Output goes through one promise chain so that lines keep their order while the terminal is slow.
  let output: Promise<void> = Promise.resolve();
  const emit = (record: Record<string, unknown>, text: string): void => {
    const line = ndjson ? `${JSON.stringify(record)}\n` : `${text}\n`;
    output = output.then(() => writeText(ctx.stdout, line));
  };
  let endpoint: LibprocessEndpoint;
  try {
    endpoint = await LibprocessEndpoint.listen({
      ip: listenAt.host,
      port: listenAt.port,
      style: options.style ?? 'mesos-1.11',
      acceptAnyId: true,
      outbound: { maxConnectAttempts: 3, backoff: { initialMs: 100, maxMs: 1000 } },
    });
  } catch (error) {
    ctx.stderr.write(`mesos-wire replay: ${isMesosWireError(error) ? error.message : String(error)}\n`);
    return EXIT.IO;
  }
  const self = `${endpoint.address.ip}:${endpoint.address.port}`;
  const selected = filter === undefined ? messages : messages.filter(filter);
  emit(
    { type: 'replay', capture, messages: messages.length, selected: selected.length, to: options.to, listening: self },
    `replaying ${selected.length} of ${messages.length} message(s) from ${capture} to ${options.to}, listening on ${self}`,
  );
  try {
    if (options.dryRun === true) {
      selected.forEach((message, index) => {
        const from = formatUpid(
          rewrites.has(formatUpid(message.from))
            ? parseUpid(rewrites.get(formatUpid(message.from))!)
            : endpoint.upid(message.from.id),
        );
        const to = `${target.id ?? message.to}@${target.host}:${target.port}`;
        emit(
          {
            type: 'would-send',
            index,
            name: message.name,
            from,
            to,
            bytes: message.body.length,
            offset: message.offset,
          },
          `would send #${index} ${message.name} ${from} -> ${to} (${message.body.length} bytes)`,
        );
      });
      return EXIT.OK;
    }
    const report = await replayMessages(endpoint, messages, {
      target,
      rewriteFrom: rewrites,
      filter,
      speed: options.speed,
      rate: options.rate,
      settleMs: options.wait ?? 500,
      answerTimeoutMs: options.timeout ?? 5000,
      awaitAnswers: options.answers !== false,
      onProgress: (event) => reportEvent(event, emit),
    });
    emit(
      { type: 'summary', ...report, statuses: Object.fromEntries(report.statuses) },
      `summary: selected ${report.selected}, sent ${report.sent}, accepted ${report.accepted}, refused ${report.refused}, ` +
        `failed ${report.failed}, came back ${report.cameBack}`,
    );
    return exitCodeOf(report);
  } finally {
    await endpoint.close(1000, { awaitAnswers: options.answers !== false });
    await output;
  }
}

/** 3 when messages could not be delivered, 1 when the peer refused some, else 0. */
export function exitCodeOf(report: ReplayReport): ExitCode {
  if (report.failed > 0) return EXIT.IO;
  if (report.refused > 0) return EXIT.INPUT_ERRORS;
  return EXIT.OK;
}

function reportEvent(event: ReplayEvent, emit: (record: Record<string, unknown>, text: string) => void): void {
  switch (event.kind) {
    case 'sent':
      emit(
        {
          type: 'sent',
          index: event.index,
          name: event.message.name,
          from: formatUpid(event.from),
          to: formatUpid(event.to),
        },
        `sent #${event.index} ${event.message.name} ${formatUpid(event.from)} -> ${formatUpid(event.to)}`,
      );
      return;
    case 'answered':
      emit({ type: 'answered', index: event.index, status: event.status }, `answered #${event.index} ${event.status}`);
      return;
    case 'failed':
      emit(
        { type: 'failed', index: event.index, error: event.error.toJSON() },
        `failed #${event.index} ${event.error.code}: ${event.error.message}`,
      );
      return;
    default:
      emit(
        { type: 'came-back', name: event.message.name, from: formatUpid(event.message.from), to: event.message.to },
        `came back ${event.message.name} ${formatUpid(event.message.from)} -> ${event.message.to}`,
      );
  }
}

/** Reads a capture: pcap/pcapng through the capture pipeline (with packet times), anything else as a raw stream. */
async function loadCapture(file: string, ctx: CliContext): Promise<CapturedMessage[]> {
  let bytes: Uint8Array;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.stdin as AsyncIterable<Buffer | string>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    }
    bytes = new Uint8Array(Buffer.concat(chunks));
  } else bytes = new Uint8Array(await readFile(file));
  if (isPcap(bytes)) {
    if (file === '-') throw mwError('MW_INVALID_ARGUMENT', 'pcap/pcapng captures are read from a file, not stdin');
    const { messages, diagnostics } = await messagesFromCaptureFile(file);
    for (const line of diagnostics) ctx.stderr.write(`mesos-wire replay: ${file}: ${line}\n`);
    return messages;
  }
  const { messages, errors } = messagesFromRawStream(bytes);
  for (const error of errors) {
    ctx.stderr.write(`mesos-wire replay: ${file}: skipped bad bytes at offset ${error.offset}: ${error.code}\n`);
  }
  return messages;
}

function isPcap(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  return [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a].includes(magic);
}

function parseTarget(text: string): { host: string; port: number; id?: string } {
  if (text.includes('@')) {
    const upid = parseUpid(text);
    return { host: upid.host, port: upid.port, id: upid.id };
  }
  return parseAddress(text);
}

function parseAddress(text: string, allowPortZero = false): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (colon <= 0 || !/^\d{1,5}$/.test(portText) || port > 65535 || (port === 0 && !allowPortZero)) {
    throw mwError('MW_INVALID_ARGUMENT', `"${text}" is not ip:port`);
  }
  return { host: text.slice(0, colon), port };
}
