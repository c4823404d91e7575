/**
 * The commander definitions of every command (arguments, options, help). Each action loads its command's
 * implementation (`commands/<name>.ts`) when it runs: a command then pays only for the modules it uses (the HTTP
 * client alone costs ~17 MiB of RSS), and `--version` or `--help` load no implementation at all.
 */
import { Command, type CommanderError, Option } from 'commander';
import { MESSAGE_STYLES } from '../../libprocess/encoder.ts';
import type { CliContext } from '../context.ts';
import type { ApiOptions } from './api.ts';
import {
  DEFAULT_MASTER,
  hexArgument,
  parseNonNegative,
  parseNonNegativeInteger,
  parsePositive,
  parseRate,
  upidArgument,
} from './arguments.ts';
import type { DecodeOptions } from './decode.ts';
import type { EncodeOptions } from './encode.ts';
import type { FlowsOptions } from './flows.ts';
import type { ListenCommandOptions } from './listen.ts';
import type { MockMasterCommandOptions } from './mock-master.ts';
import type { ReplayCommandOptions } from './replay.ts';
import type { SchemaOptions } from './schema.ts';
import type { SendCommandOptions } from './send.ts';
import type { StatsOptions } from './stats.ts';
import type { WatchOptions } from './watch.ts';

/**
 * Applies an argument parser in the action rather than while commander parses: parsers that need the protobuf
 * schemas live with the implementation. A rejected value fails exactly as commander's own parsing does (same
 * message, help hint and exit code).
 */
function parseLate<T>(command: Command, invalidValueMessage: string, parse: (value: string) => T, value: string): T {
  try {
    return parse(value);
  } catch (error) {
    const { code, exitCode, message } = error as CommanderError;
    if (code === 'commander.invalidArgument') command.error(`${invalidValueMessage} ${message}`, { exitCode, code });
    throw error;
  }
}

/** The `--type <name>` option of decode and stats, resolved in the action (it needs the schemas). */
async function resolveTypeOption(command: Command, name: string | undefined): Promise<DecodeOptions['type']> {
  if (name === undefined) return undefined;
  const { typeArgument } = await import('./decode.ts');
  return parseLate(command, `error: option '--type <name>' argument '${name}' is invalid.`, typeArgument, name);
}

/** Ctrl-C or TERM aborts the signal while `body` runs (long-running commands stop gracefully, exit code kept). */
async function untilSignal(body: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await body(stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `mesos-wire decode [file|-]`: a capture or a raw byte stream, item by item. */
export function decodeCommand(ctx: CliContext): Command {
  return new Command('decode')
    .description(
      'Decode a pcap/pcapng capture (detected by content: TCP reassembly, both directions of every connection, ' +
        'with flow, frame and time per item, and anomalies as diagnostics), or a raw byte stream: one TCP ' +
        'direction of libprocess traffic (requests and responses back to back) or a RecordIO stream. Prints each ' +
        'item as soon as it is decoded.',
    )
    .argument('[file]', 'input file, or - for standard input (a capture or a raw stream)', '-')
    .addOption(
      new Option('--input <kind>', 'what the stream holds').choices(['auto', 'http', 'recordio']).default('auto'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'ndjson']).default('text'))
    .option('--max-record-bytes <n>', 'largest RecordIO record accepted (default 64 MiB)', parseNonNegativeInteger)
    .option('--hex-limit <n>', 'body bytes shown in hex dumps (text format)', parseNonNegativeInteger, 256)
    .option('--hex', 'text format: hex dumps of bodies that decoded with their type too')
    .option(
      '--type <name>',
      'type of RecordIO records, e.g. mesos.v1.scheduler.Event (default: by endpoint, else detected)',
    )
    .option('--name <glob>', 'only items whose wire name, request path or body type (Type.TAG) matches (* and ?)')
    .option('--upid <upid>', 'captures: only libprocess messages from or to this UPID')
    .option('--flow <ip:port>ip:port>', 'captures: only this connection (either direction), or ip:port for any')
    .option('--framework <id>', 'only items whose typed body names this framework id')
    .action(async (file: string, options: Omit<DecodeOptions, 'type'> & { type?: string }, command: Command) => {
      const type = await resolveTypeOption(command, options.type);
      const { runDecode } = await import('./decode.ts');
      ctx.setExit(await runDecode(file, { ...options, type }, ctx));
    });
}

/** `mesos-wire encode`: the framed bytes of one libprocess message. */
export function encodeCommand(ctx: CliContext): Command {
  return new Command('encode')
    .description('Write one libprocess message, framed byte for byte as Mesos writes it.')
    .requiredOption('--name <name>', 'message name, e.g. mesos.internal.PingSlaveMessage')
    .requiredOption('--from <upid>', 'sender UPID, id@host:port', upidArgument)
    .requiredOption('--to <upid>', 'receiver UPID, id@host:port', upidArgument)
    .addOption(new Option('--body-file <file>', 'body bytes (serialized protobuf) from a file').conflicts('bodyHex'))
    .addOption(new Option('--body-hex <hex>', 'body bytes as hex').argParser(hexArgument).conflicts('json'))
    .addOption(
      new Option('--json <file>', 'body as Mesos JSON of the message type (- for standard input)').conflicts(
        'bodyFile',
      ),
    )
    .addOption(
      new Option('--style <style>', 'framing of a Mesos era or third-party sender')
        .choices(MESSAGE_STYLES)
        .default('mesos-1.11'),
    )
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (options: EncodeOptions, command: Command) => {
      const { runEncode } = await import('./encode.ts');
      ctx.setExit(await runEncode(options, ctx, command));
    });
}

/** `mesos-wire send`: libprocess messages to a peer, with its answers. */
export function sendCommand(ctx: CliContext): Command {
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
    .option('--no-answers', 'do not wait for HTTP answers (peers before Mesos 1.4 do not answer libprocess senders)')
    .action(async (options: SendCommandOptions) => {
      const { runSend } = await import('./send.ts');
      ctx.setExit(await runSend(options, ctx));
    });
}

/** `mesos-wire listen`: a libprocess endpoint that prints what it receives. */
export function listenCommand(ctx: CliContext): Command {
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
    .option('--hex-limit <n>', 'body bytes shown in hex dumps (text format)', parseNonNegative, 256)
    .action(async (options: ListenCommandOptions) => {
      const { runListen } = await import('./listen.ts');
      await untilSignal(async (signal) => ctx.setExit(await runListen(options, ctx, signal)));
    });
}

/** `mesos-wire replay`: the libprocess messages of a capture, sent again. */
export function replayCommand(ctx: CliContext): Command {
  return new Command('replay')
    .description(
      'Send the libprocess messages of a capture again, in order, with senders rewritten to this replayer ' +
        '(which listens) so that replies come back; report what was sent, refused and came back.',
    )
    .argument('<capture>', 'pcap or pcapng capture, or a raw byte stream (- reads a raw stream from stdin)')
    .requiredOption('--to <target>', 'UPID (its id replaces every receiver id) or ip:port (ids kept)')
    .option('--speed <x>', 'scale of the capture timing (2 = twice as fast)', parsePositive)
    .option('--rate <n/s>', 'fixed rate in messages per second (e.g. 100 or 100/s)', parseRate)
    .option('--rewrite-from <old=new...>', 'sender UPID rewrites (others keep their id at the replayer address)')
    .option('--name <glob...>', 'only messages whose name matches one of the globs')
    .option('--dry-run', 'print what would be sent, send nothing')
    .option('--listen <ip:port>', 'where the replayer listens for replies', '127.0.0.1:0')
    .option('--wait <ms>', 'how long to wait for replies after the last answer', parseNonNegative, 500)
    .option(
      '--timeout <ms>',
      'how long to wait for answers still missing after the last message was sent (then they count as failed)',
      parseNonNegative,
      5000,
    )
    .option('--no-answers', 'do not wait for HTTP answers (peers before Mesos 1.4 do not answer libprocess senders)')
    .addOption(new Option('--style <style>', 'framing of a Mesos era').choices(MESSAGE_STYLES).default('mesos-1.11'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'ndjson']).default('text'))
    .action(async (capture: string, options: ReplayCommandOptions) => {
      const { runReplay } = await import('./replay.ts');
      ctx.setExit(await runReplay(capture, options, ctx));
    });
}

/** `mesos-wire mock-master`: a mock master that scheduler drivers can register with. */
export function mockMasterCommand(ctx: CliContext): Command {
  return new Command('mock-master')
    .description(
      'Run a mock Mesos master (virtual agents, simulated tasks) that scheduler drivers can register with. ' +
        'Prints the bound address, then every message in and out; a summary on SIGINT/SIGTERM.',
    )
    .option('--ip <ip>', 'IPv4 address to bind and advertise', '127.0.0.1')
    .option('--port <port>', 'port to bind (0 picks a free one)', parseNonNegative, 5050)
    .option('--agents <n>', 'number of virtual agents', parseNonNegative, 1)
    .option('--resources <text>', "agents' resources, e.g. 'cpus:4;mem:8192;disk:10000;ports:[31000-32000]'")
    .addOption(new Option('--style <style>', 'framing of the messages it sends').choices([...MESSAGE_STYLES]))
    .option('--mesos-version <version>', 'Mesos release to behave as', '1.11.0')
    .option('-v, --verbose', 'show framing, hex dumps and schema-less views too')
    .option('--hex-limit <n>', 'body bytes shown in hex dumps (-v)', parseNonNegative, 256)
    .action(async (options: MockMasterCommandOptions) => {
      const { runMockMaster } = await import('./mock-master.ts');
      await untilSignal(async (signal) => ctx.setExit(await runMockMaster(options, ctx, signal)));
    });
}

/** `mesos-wire api CALL`: one operator API call. */
export function apiCommand(ctx: CliContext): Command {
  return new Command('api')
    .description(
      'Send one master operator API call (POST /api/v1) and print the response: GET_STATE, GET_HEALTH, ' +
        'GET_FRAMEWORKS, GET_TASKS, TEARDOWN, ...',
    )
    .argument('<call>', 'the mesos.v1.master.Call type')
    .option('--master <url>', 'master address (redirects are followed)', DEFAULT_MASTER)
    .option('--json <call>', 'the rest of the call as Mesos JSON, e.g. \'{"teardown":{"framework_id":{"value":"x"}}}\'')
    .addOption(
      new Option('--content-type <codec>', 'encoding of the call and the answer')
        .choices(['json', 'protobuf'])
        .default('json'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'ndjson']).default('text'))
    .action(async (call: string, options: ApiOptions, command: Command) => {
      const { callName, runApi } = await import('./api.ts');
      const invalid = `error: command-argument value '${call}' is invalid for argument 'call'.`;
      ctx.setExit(await runApi(parseLate(command, invalid, callName, call), options, ctx));
    });
}

/** `mesos-wire watch`: the operator API event stream. */
export function watchCommand(ctx: CliContext): Command {
  return new Command('watch')
    .description(
      'Subscribe to the master operator API (SUBSCRIBE on /api/v1) and print its events as they arrive ' +
        '(SUBSCRIBED, TASK_ADDED, TASK_UPDATED, AGENT_ADDED, FRAMEWORK_ADDED, ...) until interrupted.',
    )
    .option('--master <url>', 'master address (redirects are followed)', DEFAULT_MASTER)
    .addOption(
      new Option('--content-type <codec>', 'encoding of the stream').choices(['json', 'protobuf']).default('json'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'ndjson']).default('text'))
    .option('--heartbeats', 'print HEARTBEAT events too')
    .action(async (options: WatchOptions) => {
      const { runWatch } = await import('./watch.ts');
      await untilSignal(async (signal) => ctx.setExit(await runWatch(options, ctx, signal)));
    });
}

/** `mesos-wire schema [NAME]`: wire names, endpoints, or one type's fields. */
export function schemaCommand(ctx: CliContext): Command {
  return new Command('schema')
    .description(
      'Without NAME: list the libprocess wire names (sender and receiver roles, Mesos versions) and the v1 API ' +
        'endpoints. With NAME (a wire name or any full protobuf type name): show its fields.',
    )
    .argument('[name]', 'wire name or type name, e.g. mesos.internal.StatusUpdateMessage or mesos.v1.scheduler.Call')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (name: string | undefined, options: SchemaOptions) => {
      const { runSchema } = await import('./schema.ts');
      ctx.setExit(await runSchema(name, options, ctx));
    });
}

/** `mesos-wire stats [file|-]`: counts and bytes of a whole capture or raw stream. */
export function statsCommand(ctx: CliContext): Command {
  return new Command('stats')
    .description(
      'Decode a whole capture (pcap/pcapng) or raw stream (libprocess traffic or RecordIO, bodies included) and ' +
        'print counts and bytes: messages by name, other requests, responses by status, records by event type, ' +
        'errors by code; for captures also per flow, framework and agent, latencies between related messages ' +
        '(offer -> accept, launch -> TASK_RUNNING, status update -> acknowledgement) and diagnostics by kind.',
    )
    .argument('[file]', 'input file, or - for standard input', '-')
    .addOption(
      new Option('--input <kind>', 'what the stream holds').choices(['auto', 'http', 'recordio']).default('auto'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--type <name>', 'type of RecordIO records (default: by endpoint, else detected)')
    .option(
      '--max-flows <n>',
      'flow rows listed for a capture: the busiest; the others are summed in one line (default 10000)',
      parseNonNegativeInteger,
    )
    .action(async (file: string, options: Omit<StatsOptions, 'type'> & { type?: string }, command: Command) => {
      const type = await resolveTypeOption(command, options.type);
      const { runStats } = await import('./stats.ts');
      ctx.setExit(await runStats(file, { ...options, type }, ctx));
    });
}

/** `mesos-wire flows FILE`: the TCP connections of a capture. */
export function flowsCommand(ctx: CliContext): Command {
  return new Command('flows')
    .description(
      'List the TCP connections of a pcap/pcapng capture: client and server, first and last packet, bytes and ' +
        'libprocess messages / HTTP requests / responses / RecordIO records per direction, how each ended, and ' +
        'the anomalies found on it.',
    )
    .argument('<file>', 'pcap or pcapng file, or - for standard input')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (file: string, options: FlowsOptions) => {
      const { runFlows } = await import('./flows.ts');
      ctx.setExit(await runFlows(file, options, ctx));
    });
}

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly ((ctx: CliContext) => Command)[] = [
  decodeCommand,
  encodeCommand,
  sendCommand,
  listenCommand,
  replayCommand,
  mockMasterCommand,
  apiCommand,
  watchCommand,
  schemaCommand,
  statsCommand,
  flowsCommand,
];
