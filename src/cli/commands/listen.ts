import { Command, Option } from 'commander';
import { isMesosWireError } from '../../errors.ts';
import { formatUpid, guessMessageStyle } from '../../libprocess/index.ts';
import { type InboundMessage, LibprocessEndpoint } from '../../transport/endpoint.ts';
import type { MessageEvent } from '../events.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { bodyJson } from '../render/body.ts';
import { type CommandIo, parseNonNegative } from './send.ts';

/** Options of `mesos-wire listen`, as parsed. */
export interface ListenCommandOptions {
  ip: string;
  port: number;
  id?: string[] | undefined;
  format?: 'text' | 'ndjson' | undefined;
  mesosVersion?: string | undefined;
  count?: number | undefined;
}

/** `mesos-wire listen`: commander wiring only; `runListen` does the work. */
export function listenCommand(io: CommandIo, setExitCode: (code: ExitCode) => void): Command {
  return new Command('listen')
    .description(
      'Listen as a libprocess endpoint, print every inbound message like `decode` does, and answer as the chosen ' +
        'Mesos release does (202/404). The first line is the bound address.',
    )
    .option('--ip <ip>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to bind (0 picks a free one)', parseNonNegative, 5050)
    .option('--id <id...>', 'process ids that exist here (others get 404); default: every id exists')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'ndjson']).default('text'))
    .option('--mesos-version <version>', 'Mesos release whose answering behaviour to copy', '1.11.0')
    .option('--count <n>', 'exit after this many messages', parseNonNegative)
    .action(async (options: ListenCommandOptions) => {
      setExitCode(await runListen(options, io));
    });
}

/** Listens until `io.signal` aborts (or `count` messages arrived); returns the exit code. */
export async function runListen(options: ListenCommandOptions, io: CommandIo): Promise<ExitCode> {
  const ids = options.id ?? [];
  let endpoint: LibprocessEndpoint;
  try {
    endpoint = await LibprocessEndpoint.listen({
      ip: options.ip,
      port: options.port,
      mesosVersion: options.mesosVersion ?? '1.11.0',
      acceptAnyId: ids.length === 0,
    });
  } catch (error) {
    io.stderr.write(`mesos-wire listen: ${isMesosWireError(error) ? error.message : String(error)}\n`);
    return isMesosWireError(error) && error.code === 'MW_INVALID_ARGUMENT' ? EXIT.USAGE : EXIT.IO;
  }
  for (const id of ids) endpoint.register(id);
  const ndjson = options.format === 'ndjson';
  const { ip, port } = endpoint.address;
  if (ndjson) {
    io.stdout.write(`${JSON.stringify({ type: 'listening', address: `${ip}:${port}`, era: endpoint.era })}\n`);
  } else {
    io.stdout.write(`listening on ${ip}:${port} (${endpoint.era.style} framing, replies: ${endpoint.era.replies})\n`);
  }
  let received = 0;
  let connectionErrors = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  endpoint.on('message', (message: InboundMessage) => {
    received++;
    io.stdout.write(ndjson ? `${JSON.stringify(messageRecord(message))}\n` : messageLine(message));
    if (options.count !== undefined && received >= options.count) finish();
  });
  endpoint.on('connection-error', ({ connection, error }) => {
    connectionErrors++;
    const where = `${connection.remoteAddress}:${connection.remotePort}`;
    if (ndjson) {
      io.stdout.write(`${JSON.stringify({ type: 'error', connection: where, ...error.toJSON() })}\n`);
    } else io.stdout.write(`error from ${where} at offset ${error.offset}: ${error.code} ${error.message}\n`);
  });
  if (options.count === 0) finish();
  if (io.signal !== undefined) {
    if (io.signal.aborted) finish();
    else io.signal.addEventListener('abort', () => finish(), { once: true });
  }
  await finished;
  await endpoint.close(1000);
  return connectionErrors > 0 ? EXIT.INPUT_ERRORS : EXIT.OK;
}

/** The message as `decode` reports it (a MessageEvent), plus where it came from and how it was answered. */
export function messageEvent(message: InboundMessage): MessageEvent {
  const request = message.request;
  return {
    type: 'message',
    offset: message.offset,
    end: message.end,
    version: request.version,
    framing: request.framing,
    chunks: request.chunks,
    body: message.body,
    from: formatUpid(message.from),
    fromText: message.fromText,
    fromValid: message.fromValid,
    fromSource: message.fromSource,
    to: message.to,
    name: message.name,
    style: guessMessageStyle(request),
  };
}

function messageRecord(message: InboundMessage): Record<string, unknown> {
  const event = messageEvent(message);
  const { body: _body, ...rest } = event;
  return {
    ...rest,
    bodyBytes: message.body.length,
    body: bodyJson(event),
    connection: `${message.connection.remoteAddress}:${message.connection.remotePort}`,
    status: message.status ?? null,
  };
}

function messageLine(message: InboundMessage): string {
  const event = messageEvent(message);
  const status = message.status === undefined ? 'no reply' : String(message.status);
  return (
    `${message.connection.remoteAddress}:${message.connection.remotePort} @${event.offset} ` +
    `${event.from} -> ${event.to} ${event.name} (${message.body.length} bytes, ${event.style}) ${status}\n`
  );
}
