import { isMesosWireError } from '../../errors.ts';
import { HttpDecoder, type HttpMessage } from '../../http/index.ts';
import type { MessageStyle } from '../../libprocess/index.ts';
import { v1ApiHook } from '../../mock/http-api/index.ts';
import { MockMaster, messageType, type TrafficRecord } from '../../mock/index.ts';
import { httpEvent } from '../../pipeline/message-event.ts';
import { decodeWithType } from '../../proto/decode.ts';
import { toMesosJson } from '../../proto/json-write.ts';
import { type CliContext, writeText } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { chalkFor } from '../render/color.ts';
import { TextWriter } from '../render/text.ts';

/** Options of `mesos-wire mock-master`, as parsed. */
export interface MockMasterCommandOptions {
  ip: string;
  port: number;
  agents: number;
  resources?: string | undefined;
  style?: MessageStyle | undefined;
  mesosVersion: string;
  verbose?: boolean | undefined;
  hexLimit?: number | undefined;
}

/** Runs the mock until `signal` aborts; returns the exit code. */
export async function runMockMaster(
  options: MockMasterCommandOptions,
  ctx: CliContext,
  signal?: AbortSignal,
): Promise<ExitCode> {
  let master: MockMaster;
  try {
    master = await MockMaster.start({
      ip: options.ip,
      port: options.port,
      agents: options.agents,
      mesosVersion: options.mesosVersion,
      // The v1 scheduler and operator APIs on the same port, as on a real master.
      http: v1ApiHook(),
      ...(options.resources === undefined ? {} : { resources: options.resources }),
      ...(options.style === undefined ? {} : { style: options.style }),
    });
  } catch (error) {
    ctx.stderr.write(`mesos-wire mock-master: ${isMesosWireError(error) ? error.message : String(error)}\n`);
    return isMesosWireError(error) && error.code === 'MW_INVALID_ARGUMENT' ? EXIT.USAGE : EXIT.IO;
  }
  const chalk = chalkFor(ctx.stdout, ctx.env);
  const text = new TextWriter(chalk, { hexLimit: options.hexLimit ?? 256 });
  const { ip, port } = master.address;
  const agents = master.simulation.agentPids().map((a) => a.pid);
  let output = writeText(
    ctx.stdout,
    `mock master ${master.upid} listening on ${ip}:${port} (${master.endpoint.era.style} framing, ` +
      `replies: ${master.endpoint.era.replies}); agents: ${agents.join(', ')}\n`,
  );
  const print = (line: string): void => {
    output = output.then(() => writeText(ctx.stdout, line));
  };
  master.on('record', (record: TrafficRecord) => print(renderRecord(record, options.verbose === true, text)));
  master.on('exited', (event: { peer: string }) => print(`link to ${event.peer} broke: framework disconnected\n`));
  master.endpoint.on('connection-error', ({ connection, error }) =>
    print(
      `error on connection #${connection.id} from ${connection.remoteAddress}:${connection.remotePort} at offset ` +
        `${error.offset}: ${error.code} ${error.message} (connection closed)\n`,
    ),
  );

  await new Promise<void>((resolve) => {
    if (signal === undefined) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const summary = summarize(master);
  await master.close();
  print(summary);
  await output;
  return EXIT.OK;
}

/** One record: a header line and the body as Mesos JSON; with `verbose` the decode-style view of its bytes. */
export function renderRecord(record: TrafficRecord, verbose: boolean, text: TextWriter): string {
  const arrow = record.direction === 'in' ? '<-' : record.direction === 'out' ? '->' : '=>';
  const call = record.callType === undefined ? '' : ` ${record.callType}`;
  const flags = [
    record.direction === 'internal' ? 'to a virtual agent' : '',
    record.status === undefined || record.direction !== 'in' ? '' : `answered ${record.status}`,
    record.dropped ? 'DROPPED' : '',
    record.note ?? '',
  ].filter((f) => f !== '');
  const lines = [
    `${arrow} ${record.direction.padEnd(8)} ${record.name}${call}  ${record.from} -> ${record.to}` +
      (flags.length > 0 ? `  (${flags.join('; ')})` : ''),
  ];
  const json = bodyJson(record);
  if (json !== undefined) lines.push(`   ${json}`);
  if (verbose && record.raw.length > 0) {
    let message: HttpMessage | undefined;
    try {
      new HttpDecoder({ onMessage: (m) => (message = m) }).write(record.raw);
    } catch {
      // The raw bytes are what was sent; a view that does not decode is simply not shown.
    }
    if (message !== undefined) {
      for (const line of text.write(httpEvent(message)).trimEnd().split('\n')) lines.push(`   ${line}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function bodyJson(record: TrafficRecord): string | undefined {
  if (record.message === undefined) return undefined;
  try {
    const type = messageType(record.name);
    const decoded = record.body.length > 0 ? decodeWithType(type, record.body) : type.fromObject(record.message);
    return toMesosJson(decoded as Record<string, unknown>, type);
  } catch {
    return JSON.stringify(record.message, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
  }
}

/** The exit summary: traffic totals, per message name, and what the simulation holds. */
export function summarize(master: MockMaster): string {
  const stats = master.stats;
  const snapshot = master.simulation.snapshot();
  const lines = [
    `summary: ${stats.in} in, ${stats.out} out, ${stats.internal} to virtual agents, ${stats.dropped} dropped, ` +
      `${stats.undecodable} undecodable`,
  ];
  for (const [name, count] of [...stats.byName].sort((a, b) => b[1] - a[1])) lines.push(`  ${count}\t${name}`);
  lines.push(
    `frameworks: ${snapshot.frameworks.length} registered, ${snapshot.completed_frameworks.length} completed; ` +
      `tasks: ${snapshot.tasks.length} active, ${snapshot.completed_tasks.length} completed`,
  );
  return `${lines.join('\n')}\n`;
}
