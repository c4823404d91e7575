import { isMesosWireError } from '../../errors.ts';
import { httpEvent } from '../../pipeline/message-event.ts';
import { type InboundMessage, LibprocessEndpoint } from '../../transport/endpoint.ts';
import { type CliContext, writeText } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { chalkFor } from '../render/color.ts';
import { eventJson } from '../render/json.ts';
import { TextWriter } from '../render/text.ts';

/** Output lines waiting to be written at which listen stops reading from its peers (see runListen). */
export const OUTPUT_BACKLOG_LINES = 1024;

/** Options of `mesos-wire listen`, as parsed. */
export interface ListenCommandOptions {
  ip: string;
  port: number;
  id?: string[] | undefined;
  format?: 'text' | 'ndjson' | undefined;
  mesosVersion?: string | undefined;
  count?: number | undefined;
  hexLimit?: number | undefined;
}

/** Listens until `signal` aborts (or `count` messages arrived); returns the exit code. */
export async function runListen(
  options: ListenCommandOptions,
  ctx: CliContext,
  signal?: AbortSignal,
): Promise<ExitCode> {
  const ids = options.id ?? [];
  let endpoint: LibprocessEndpoint;
  try {
    endpoint = await LibprocessEndpoint.listen({
      ip: options.ip,
      port: options.port,
      mesosVersion: options.mesosVersion ?? '1.11.0',
      acceptAnyId: ids.length === 0,
      // Every message is made into its output line before the listener returns: nothing reads it later.
      transientMessages: true,
    });
  } catch (error) {
    ctx.stderr.write(`mesos-wire listen: ${isMesosWireError(error) ? error.message : String(error)}\n`);
    return isMesosWireError(error) && error.code === 'MW_INVALID_ARGUMENT' ? EXIT.USAGE : EXIT.IO;
  }
  for (const id of ids) endpoint.register(id);
  const ndjson = options.format === 'ndjson';
  const text = new TextWriter(chalkFor(ctx.stdout, ctx.env), { hexLimit: options.hexLimit ?? 256 });
  const { ip, port } = endpoint.address;
  // Output goes through one promise chain so that lines keep their order while the terminal is slow.
  let output = writeText(
    ctx.stdout,
    ndjson
      ? `${JSON.stringify({ type: 'listening', address: `${ip}:${port}`, era: endpoint.era })}\n`
      : `listening on ${ip}:${port} (${endpoint.era.style} framing, replies: ${endpoint.era.replies})\n`,
  );
  // Lines not yet written. Past OUTPUT_BACKLOG_LINES the endpoint stops reading (its peers wait, as with a slow
  // actor) until half of them are out: a slow terminal or pipe must not make this process buffer without bound.
  let backlog = 0;
  const print = (line: string): void => {
    backlog++;
    if (backlog >= OUTPUT_BACKLOG_LINES && !endpoint.inboundPaused) endpoint.pauseInbound();
    output = output
      .then(() => writeText(ctx.stdout, line))
      .then(() => {
        backlog--;
        if (backlog <= OUTPUT_BACKLOG_LINES / 2 && endpoint.inboundPaused) endpoint.resumeInbound();
      });
  };
  let received = 0;
  let connectionErrors = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  endpoint.on('message', (message: InboundMessage) => {
    received++;
    const event = httpEvent(message.request);
    const peer = `${message.connection.remoteAddress}:${message.connection.remotePort}`;
    if (ndjson) {
      // The decode record, plus which connection it came on and what this endpoint answered.
      print(`${JSON.stringify({ ...eventJson(event), connection: peer, status: message.status ?? null })}\n`);
    } else {
      const answer = message.status === undefined ? 'none (this era does not answer it)' : String(message.status);
      print(`${text.write(event)}  answer   ${answer}, connection #${message.connection.id} from ${peer}\n`);
    }
    if (options.count !== undefined && received >= options.count) finish();
  });
  endpoint.on('connection-error', ({ connection, error }) => {
    connectionErrors++;
    const peer = `${connection.remoteAddress}:${connection.remotePort}`;
    print(
      ndjson
        ? `${JSON.stringify({ type: 'error', code: error.code, offset: error.offset, message: error.message, connection: peer })}\n`
        : `error on connection ${peer} #${connection.id} at offset ${error.offset}: ${error.code} ${error.message} (connection closed)\n`,
    );
  });
  if (options.count === 0) finish();
  if (signal !== undefined) {
    if (signal.aborted) finish();
    else signal.addEventListener('abort', () => finish(), { once: true });
  }
  await finished;
  await endpoint.close(1000);
  await output;
  return connectionErrors > 0 ? EXIT.INPUT_ERRORS : EXIT.OK;
}
