/**
 * The mock Mesos master for framework tests, libprocess side: one port serving libprocess messages (through the
 * transport's LibprocessEndpoint) and the master's read-only HTTP endpoints, in front of the simulation core.
 *
 * Inbound messages to `master` (and to the virtual agents `slave(N)`, which live on the same port) become core
 * commands; core outputs become the messages a real master sends a scheduler driver, written from
 * `master@ip:port` on the mock's own outbound connection to the framework's UPID, in the configured era's framing.
 * The master links to each framework it registers; when that link breaks the framework is disconnected and its
 * failover timeout runs. Every message in and out is kept in a decoded traffic log with its raw bytes, and can be
 * waited for, dropped, forbidden or answered by hooks (see the test API methods).
 */
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { isMesosWireError, type MesosWireError, mwError } from '../errors.ts';
import { encodeRequest, type HttpRequestMessage } from '../http/index.ts';
import {
  encodeAcceptedResponse,
  encodeMessage,
  formatUpid,
  type MessageStyle,
  parseUpid,
  type Upid,
} from '../libprocess/index.ts';
import type { ProtoMessage } from '../proto/decode.ts';
import { toMesosJson } from '../proto/json-write.ts';
import type { ConnectionInfo } from '../transport/connection-info.ts';
import { type InboundMessage, LibprocessEndpoint } from '../transport/endpoint.ts';
import type { HttpRouter, RouteResponse } from '../transport/http-router.ts';
import type { ExitedEvent } from '../transport/peer-pool.ts';
import { mesosEra } from '../transport/reply-policy.ts';
import { bindClockToRealTime, VirtualClock } from './core/clock.ts';
import type { Command, CommandResult } from './core/commands.ts';
import type { Output } from './core/outputs.ts';
import { MasterSimulation, type MasterSimulationOptions } from './core/simulation.ts';
import {
  type DropRule,
  Expectations,
  type MatchOptions,
  type MessageMatcher,
  matches,
  type NoneExpectation,
  type TrafficRecord,
} from './expectations.ts';
import { PcapngTcpWriter, type TcpFlow } from './pcapng.ts';
import { decodePlain, encodePlain, messageType, type PlainMessage } from './protobuf.ts';
import { buildInfo, frameworksJson, slavesJson, stateJson } from './state-json.ts';
import { commandFromMessage, messageForAgent, messageForEvent, SCHEDULER_CALL } from './translate.ts';

/** What the HTTP hook gets to mount more routes (the v1 API front end mounts `/api/v1/scheduler` this way). */
export interface MockHttpContext {
  router: HttpRouter;
  simulation: MasterSimulation;
  master: MockMaster;
}

/** Options of `MockMaster.start`. */
export interface MockMasterOptions {
  /** IPv4 address to bind and advertise (default 127.0.0.1). */
  ip?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Number of virtual agents (default 1) or their specs. */
  agents?: MasterSimulationOptions['agents'];
  /** Agent resources text for agents given by count, e.g. `cpus:4;mem:8192;ports:[31000-32000]`. */
  resources?: string;
  /** Release the master behaves as: framing and when it answers messages (default 1.11.0). */
  mesosVersion?: string;
  /** Framing of the messages it sends (default: the release's). */
  style?: MessageStyle;
  /**
   * `real` (default): the simulation's clock follows real time. A `VirtualClock`: time moves only when the test
   * calls `advance()` (offer cycles, task transitions, retries, failover timeouts all wait for it).
   */
  clock?: 'real' | VirtualClock;
  /** More simulation options (task scripts and timings, allocation interval, retry intervals, seed, ...). */
  simulation?: Omit<MasterSimulationOptions, 'ip' | 'port' | 'agents' | 'resources' | 'clock'>;
  /** Keep at most this many traffic records (default 100,000; 0 keeps none, futures still work). */
  maxRecords?: number;
  /** Mounts more HTTP routes on the mock's port (called once, before it serves). */
  http?: (context: MockHttpContext) => void;
}

/** What a hook can do besides passing or dropping the message it sees. */
export interface HookActions {
  /** Sends a message to the inbound message's sender (from the master unless `from` is given). */
  reply(name: string, body: PlainMessage | Uint8Array, from?: string): void;
}

/** A hook's verdict: `drop` swallows the message (inbound: not processed; outbound: not sent). */
export type HookVerdict = 'drop' | 'pass' | undefined;

/** Intercepts matching messages before they are processed or sent. */
export type MessageHook = (record: TrafficRecord, actions: HookActions) => HookVerdict | undefined;

/** Decides each inbound message's HTTP answer: send it (default), drop it, or delay it by ms. */
export type AnswerPolicy = (record: TrafficRecord | undefined) => 'send' | 'drop' | number;

/** A registered hook; `cancel()` removes it. */
export interface HookHandle {
  readonly calls: number;
  cancel(): void;
}

interface HookEntry {
  matcher: MessageMatcher;
  options: MatchOptions;
  hook: MessageHook;
  calls: number;
  once: boolean;
  active: boolean;
}

/** Message to inject. `body` is a plain object (encoded with the schema of `name`) or raw bytes. */
export interface InjectedMessage {
  name: string;
  body?: PlainMessage | Uint8Array;
}

/** Totals for summaries. */
export interface TrafficStats {
  in: number;
  out: number;
  internal: number;
  dropped: number;
  undecodable: number;
  byName: Map<string, number>;
}

const SCHEDULER_MESSAGES_TO_AGENTS = new Set([
  'mesos.internal.StatusUpdateAcknowledgementMessage',
  'mesos.internal.FrameworkToExecutorMessage',
]);

/** Ports written for the mock's outbound connections in captures (the kernel's are not observable). */
const CAPTURE_EPHEMERAL_BASE = 40_000;

/**
 * A running mock master. Create with `MockMaster.start()`; `close()` (or `await using`) stops it.
 *
 * Events: `'record'` (TrafficRecord, every message in and out), `'exited'` (ExitedEvent: a framework's link broke),
 * `'send-error'` ({record, error}: an outbound message could not be delivered), `'handler-error'` (an exception
 * while handling a message or an output; the mock keeps serving).
 */
export class MockMaster extends EventEmitter {
  /** The simulation core behind the wire (advance its clock, script tasks, read its log). */
  readonly simulation: MasterSimulation;
  /** The libprocess endpoint serving the port. */
  readonly endpoint: LibprocessEndpoint;
  /** `master@ip:port`. */
  readonly upid: string;
  /** `http://ip:port`. */
  readonly url: string;

  readonly #expectations = new Expectations();
  readonly #hooks: HookEntry[] = [];
  readonly #records: TrafficRecord[] = [];
  readonly #maxRecords: number;
  readonly #stats: TrafficStats = { in: 0, out: 0, internal: 0, dropped: 0, undecodable: 0, byName: new Map() };
  readonly #linked = new Set<string>();
  readonly #frameworkConnections = new Map<string, Set<number>>();
  readonly #outboundPorts = new Map<string, number>();
  readonly #agentIds: Set<string>;
  readonly #unbindClock: (() => void) | undefined;
  readonly #style: MessageStyle;
  #answerPolicy: AnswerPolicy | undefined;
  #lastInbound: { message: InboundMessage; record: TrafficRecord } | undefined;
  #seq = 0;
  #recordsStart = 0;
  #closed = false;

  private constructor(endpoint: LibprocessEndpoint, options: MockMasterOptions) {
    super();
    this.endpoint = endpoint;
    const { ip, port } = endpoint.advertisedAddress;
    this.upid = `master@${ip}:${port}`;
    this.url = `http://${ip}:${port}`;
    this.#maxRecords = Math.max(0, options.maxRecords ?? 100_000);
    this.#style = endpoint.era.style;
    const manual = options.clock instanceof VirtualClock ? options.clock : undefined;
    const clock = manual ?? new VirtualClock(Date.now());
    this.simulation = new MasterSimulation({
      version: options.mesosVersion ?? '1.11.0',
      ...options.simulation,
      ip,
      port,
      clock,
      agents: options.agents ?? 1,
      ...(options.resources === undefined ? {} : { resources: options.resources }),
    });
    this.#unbindClock = manual === undefined ? bindClockToRealTime(clock) : undefined;

    endpoint.register('master', (message) => this.#onInbound(message, 'master'));
    this.#agentIds = new Set();
    for (const agent of this.simulation.agentPids()) this.#serveAgent(agent.pid);
    // Agents added later (simulation.addAgent) are served on the same port too.
    this.simulation.onOperatorEvent((event) => {
      if (event.type === 'AGENT_ADDED') this.#serveAgent(event.agent.pid);
    });
    endpoint.answerHook = (message) => this.#answer(message);
    endpoint.on('exited', (event: ExitedEvent) => this.#onExited(event));
    endpoint.on('handler-error', ({ error }: { error: unknown }) => this.emit('handler-error', error));
    this.simulation.onOutput((output) => {
      // Outputs also come from timers of the real-time clock: a failure here must not escape into the event loop.
      try {
        this.#onOutput(output);
      } catch (error) {
        this.emit('handler-error', error);
      }
    });
    this.#mountRoutes();
    options.http?.({ router: endpoint.router, simulation: this.simulation, master: this });
  }

  /** Starts a mock master listening on `ip:port` (port 0 picks a free one). */
  static async start(options: MockMasterOptions = {}): Promise<MockMaster> {
    // Build the schemas (and protobufjs' generated coders) now rather than on the first driver's SUBSCRIBE.
    decodePlain(SCHEDULER_CALL, encodePlain(SCHEDULER_CALL, { type: 'SUBSCRIBE' }));
    const version = options.mesosVersion ?? '1.11.0';
    const era = mesosEra(version);
    const endpoint = await LibprocessEndpoint.listen({
      ip: options.ip ?? '127.0.0.1',
      port: options.port ?? 0,
      mesosVersion: version,
      style: options.style ?? era.style,
      defaultId: 'master',
    });
    return new MockMaster(endpoint, options);
  }

  /** The bound address. */
  get address(): { ip: string; port: number } {
    return this.endpoint.advertisedAddress;
  }

  /** The HTTP router of the port (mount more routes). */
  get router(): HttpRouter {
    return this.endpoint.router;
  }

  // ---------------------------------------------------------------- test API

  /**
   * FUTURE_PROTOBUF / FUTURE_CALL: the next message (in either direction unless `direction` is given) matching a
   * type name or predicate. Dropped messages count too (their `dropped` is true). Rejects with MW_MOCK_EXPECTATION
   * after `timeoutMs` (default 10 s) or when the mock closes.
   */
  next(matcher: MessageMatcher, options: MatchOptions & { timeoutMs?: number } = {}): Promise<TrafficRecord> {
    const { timeoutMs, ...match } = options;
    return this.#expectations.next(matcher, match, timeoutMs);
  }

  /** DROP_PROTOBUF(S): drops the next `count` (default 1) matching messages, or all with `all: true`. */
  drop(matcher: MessageMatcher, options: MatchOptions & { count?: number; all?: boolean } = {}): DropRule {
    const { count, all, ...match } = options;
    return this.#expectations.drop(matcher, match, all === true ? Number.POSITIVE_INFINITY : (count ?? 1));
  }

  /** EXPECT_NO_FUTURE_PROTOBUFS: records any matching message; `check()` (or `verify()`) then throws. */
  expectNone(matcher: MessageMatcher, options: MatchOptions = {}): NoneExpectation {
    return this.#expectations.none(matcher, options);
  }

  /** Throws MW_MOCK_EXPECTATION when any `expectNone` expectation saw a message (call at the end of a test). */
  verify(): void {
    this.#expectations.verify();
  }

  /**
   * Runs `hook` on each matching message before the mock processes (inbound) or sends (outbound) it; the hook may
   * reply and may return `'drop'`. E.g. answer registration with an error:
   * `intercept(SCHEDULER_CALL, (r, a) => { a.reply('mesos.internal.FrameworkErrorMessage', {message: 'no'}); return 'drop'; }, {callType: 'SUBSCRIBE'})`.
   */
  intercept(matcher: MessageMatcher, hook: MessageHook, options: MatchOptions & { once?: boolean } = {}): HookHandle {
    const { once, ...match } = options;
    const entry: HookEntry = { matcher, options: match, hook, calls: 0, once: once === true, active: true };
    this.#hooks.push(entry);
    return {
      get calls() {
        return entry.calls;
      },
      cancel: () => {
        entry.active = false;
      },
    };
  }

  /** Sets how inbound messages are answered (202/404): send, drop, or delay by ms; undefined restores sending. */
  setAnswerPolicy(policy: AnswerPolicy | undefined): void {
    this.#answerPolicy = policy;
  }

  /**
   * Injects a message with any sender. To a local process (the master or a virtual agent; the default `to`) it is
   * processed as if it had arrived on the wire from `from`; to any other UPID it is sent there on the wire from
   * `from` (default: the master), e.g. to spoof another master towards a driver.
   */
  inject(message: InjectedMessage, route: { from?: string; to?: string } = {}): TrafficRecord {
    const body = this.#bodyBytes(message);
    const to = route.to ?? this.upid;
    if (this.#isLocal(to)) {
      const from = route.from ?? '@0.0.0.0:0';
      const record = this.#inboundRecord({
        name: message.name,
        from,
        to,
        body,
        raw: encodeMessage({ name: message.name, from, to, body }, this.#style),
        connection: undefined,
      });
      this.#processInbound(record, this.#isAgent(to) ? 'agent' : 'master');
      return record;
    }
    return this.#sendOut(message.name, body, to, route.from ?? this.upid, undefined);
  }

  /** Sends FrameworkErrorMessage to a framework (by id or UPID) from the master. */
  sendFrameworkError(framework: string, text: string): TrafficRecord {
    return this.inject(
      { name: 'mesos.internal.FrameworkErrorMessage', body: { message: text } },
      { to: this.#frameworkPid(framework) },
    );
  }

  /**
   * Breaks a framework's links (by framework id or UPID): `inbound` closes the connections the driver opened to
   * the master (the driver sees the master go away), `outbound` drops the master's own connection to the driver
   * (the master sees `exited` and disconnects the framework). Default both.
   */
  closeFrameworkLink(framework: string, which: 'inbound' | 'outbound' | 'both' = 'both'): void {
    const pid = this.#frameworkPid(framework);
    if (which !== 'outbound') {
      const ids = this.#frameworkConnections.get(pid) ?? new Set<number>();
      this.endpoint.closeInbound((info) => ids.has(info.id));
    }
    if (which !== 'inbound') this.endpoint.connectionTo(pid).reconnect();
  }

  /** Advances a manual clock (see `clock`); with the real clock, time moves by itself. */
  advance(ms: number): void {
    this.simulation.advance(ms);
  }

  /** Applies a core command directly (as if a front end had decoded it). */
  execute(command: Command): CommandResult {
    return this.simulation.execute(command);
  }

  /** The kept traffic records, oldest first. */
  get log(): readonly TrafficRecord[] {
    return this.#recordsStart === 0 ? this.#records : this.#records.slice(this.#recordsStart);
  }

  /** Totals of the traffic so far. */
  get stats(): TrafficStats {
    return this.#stats;
  }

  /** Writes the traffic log as a pcapng capture (synthesized Ethernet/IPv4/TCP) that `mesos-wire decode` reads. */
  async writePcapng(path: string): Promise<void> {
    await writeFile(path, this.pcapng());
  }

  /** The traffic log as pcapng bytes. Inbound messages carry their 202/404 answers; `internal` ones are left out. */
  pcapng(): Uint8Array {
    const writer = new PcapngTcpWriter();
    const { ip, port } = this.address;
    for (const record of this.log) {
      const us = Math.round(record.time * 1000);
      if (record.direction === 'in' && record.connection !== undefined) {
        const flow: TcpFlow = {
          srcIp: ipv4Or(record.connection.remoteAddress, ip),
          srcPort: record.connection.remotePort,
          dstIp: ip,
          dstPort: port,
        };
        writer.data(flow, record.raw, us);
        if (record.status !== undefined) {
          const answer = record.status === 202 ? encodeAcceptedResponse({ date: new Date(record.time) }) : undefined;
          if (answer !== undefined) {
            writer.data(
              { srcIp: flow.dstIp, srcPort: flow.dstPort, dstIp: flow.srcIp, dstPort: flow.srcPort },
              answer,
              us,
            );
          }
        }
      } else if (record.direction === 'out' && !record.dropped) {
        const to = parseUpid(record.to);
        writer.data(
          { srcIp: ip, srcPort: this.#outboundPort(`${to.host}:${to.port}`), dstIp: to.host, dstPort: to.port },
          record.raw,
          us,
        );
      }
    }
    return writer.toBytes();
  }

  /** Stops serving: the simulation stops, pending futures reject, connections close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unbindClock?.();
    this.simulation.stop();
    this.#expectations.rejectAll('the mock master closed');
    await this.endpoint.close(1000);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---------------------------------------------------------------- inbound

  #onInbound(message: InboundMessage, process: 'master' | 'agent'): void {
    const from = formatUpid(message.from);
    if (message.connection !== undefined) {
      let ids = this.#frameworkConnections.get(from);
      if (ids === undefined) {
        if (this.#frameworkConnections.size >= 4096) {
          this.#frameworkConnections.delete(this.#frameworkConnections.keys().next().value!);
        }
        this.#frameworkConnections.set(from, (ids = new Set()));
      }
      ids.add(message.connection.id);
      // Bounded: a sender that reconnects again and again keeps only its recent connections.
      if (ids.size > 16) ids.delete(ids.values().next().value!);
    }
    const record = this.#inboundRecord({
      name: message.name,
      from,
      to: `${message.to}@${this.address.ip}:${this.address.port}`,
      body: message.body.slice(),
      raw: this.#maxRecords > 0 ? rawRequest(message.request) : EMPTY,
      connection: message.connection,
    });
    record.status = message.status;
    this.#lastInbound = { message, record };
    this.#processInbound(record, process);
  }

  #inboundRecord(parts: {
    name: string;
    from: string;
    to: string;
    body: Uint8Array;
    raw: Uint8Array;
    connection: ConnectionInfo | undefined;
  }): TrafficRecord {
    let message: PlainMessage | undefined;
    let error: MesosWireError | undefined;
    try {
      message = decodePlain(parts.name, parts.body);
    } catch (e) {
      if (!isMesosWireError(e)) throw e;
      error = e;
    }
    const record: TrafficRecord = {
      seq: this.#seq++,
      time: wallClock(),
      direction: 'in',
      name: parts.name,
      from: parts.from,
      to: parts.to,
      message,
      body: parts.body,
      raw: parts.raw,
      dropped: false,
      ...(error === undefined ? {} : { error, note: `Failed to deserialize ${parts.name}: ${error.message}` }),
      ...(parts.name === SCHEDULER_CALL && message !== undefined ? { callType: String(message.type) } : {}),
      ...(parts.connection === undefined ? {} : { connection: parts.connection }),
    };
    return record;
  }

  #processInbound(record: TrafficRecord, process: 'master' | 'agent'): void {
    const replies: (() => void)[] = [];
    record.dropped = this.#expectations.shouldDrop(record) || this.#runHooks(record, replies);
    let command: Command | undefined;
    if (!record.dropped && record.message !== undefined) {
      if (process === 'agent' && !SCHEDULER_MESSAGES_TO_AGENTS.has(record.name)) {
        record.note = `the virtual agent ignores ${record.name}`;
      } else if (record.name === 'mesos.internal.AuthenticateMessage') {
        // A master without an authenticator answers the authenticatee at once (wire-protocol.md §3.3).
        record.note = 'no authenticator loaded';
        replies.push(() => {
          const error = { error: 'No authenticator loaded' };
          const name = 'mesos.internal.AuthenticationErrorMessage';
          this.#sendOut(name, encodePlain(name, error), record.from, this.upid, error);
        });
      } else {
        const translated = commandFromMessage(record.name, record.message, record.from);
        if ('ignored' in translated) record.note = translated.ignored;
        else command = translated.command;
      }
    }
    this.#publish(record);
    for (const reply of replies) reply();
    if (command === undefined) return;
    const result = this.simulation.execute(command);
    if (!result.ok) record.note = `${result.reason}: ${result.message}`;
    else if (command.type === 'SUBSCRIBE' && !this.#linked.has(record.from)) {
      // The master links to every framework it registers; the link's break is the framework's disconnection.
      this.#linked.add(record.from);
      try {
        this.endpoint.link(record.from);
      } catch {
        // An unparsable sender cannot be linked; messages to it fail the same way.
      }
    }
  }

  #runHooks(record: TrafficRecord, replies: (() => void)[]): boolean {
    let dropped = false;
    for (const entry of this.#hooks) {
      if (!entry.active || !matches(record, entry.matcher, entry.options)) continue;
      entry.calls++;
      if (entry.once) entry.active = false;
      const actions: HookActions = {
        reply: (name, body, from) =>
          replies.push(() => {
            this.#sendOut(name, this.#bodyBytes({ name, body }), record.from, from ?? this.upid, undefined);
          }),
      };
      if (entry.hook(record, actions) === 'drop') dropped = true;
    }
    return dropped;
  }

  #answer(message: InboundMessage): 'send' | 'drop' | number {
    // The endpoint asks right after the handler ran for the same message (404s have no handler, hence no record).
    const pending = this.#lastInbound;
    this.#lastInbound = undefined;
    const record = pending !== undefined && pending.message === message ? pending.record : undefined;
    const answer = this.#answerPolicy === undefined ? 'send' : this.#answerPolicy(record);
    if (record !== undefined && answer === 'drop') record.status = undefined;
    return answer;
  }

  #onExited(event: ExitedEvent): void {
    this.#linked.delete(event.peer);
    this.emit('exited', event);
    if (this.#closed) return;
    this.simulation.execute({ type: 'DISCONNECTED', connection: { kind: 'pid', pid: event.peer } });
  }

  // ---------------------------------------------------------------- outbound

  #onOutput(output: Output): void {
    if (this.#closed) return;
    if (output.target === 'agent') {
      const wire = messageForAgent(output.message);
      const record: TrafficRecord = {
        seq: this.#seq++,
        time: wallClock(),
        direction: 'internal',
        name: wire.name,
        from: this.upid,
        to: output.agent_pid,
        message: wire.body,
        body: EMPTY,
        raw: EMPTY,
        dropped: false,
      };
      this.#publish(record);
      return;
    }
    if (output.to.kind !== 'pid') return;
    const wire = messageForEvent(output.event, output.framework_id);
    if (wire === undefined) return;
    this.#sendOut(wire.name, encodePlain(wire.name, wire.body), output.to.pid, wire.from ?? this.upid, wire.body);
  }

  #sendOut(name: string, body: Uint8Array, to: string, from: string, plain: PlainMessage | undefined): TrafficRecord {
    let message = plain;
    let error: MesosWireError | undefined;
    if (message === undefined) {
      try {
        message = decodePlain(name, body);
      } catch (e) {
        if (!isMesosWireError(e)) throw e;
        error = e;
      }
    }
    let raw = EMPTY;
    let target: Upid | undefined;
    try {
      target = parseUpid(to);
      raw = encodeMessage({ name, from, to: target, body }, this.#style);
    } catch (e) {
      if (!isMesosWireError(e)) throw e;
      error = e;
    }
    const record: TrafficRecord = {
      seq: this.#seq++,
      time: wallClock(),
      direction: 'out',
      name,
      from,
      to,
      message,
      body,
      raw,
      dropped: false,
      ...(error === undefined ? {} : { error }),
      ...(name === SCHEDULER_CALL && message !== undefined ? { callType: String(message.type) } : {}),
    };
    const replies: (() => void)[] = [];
    record.dropped = this.#expectations.shouldDrop(record) || this.#runHooks(record, replies);
    if (!record.dropped && target !== undefined && raw.length > 0) {
      const queued = this.endpoint.connectionTo(target).write(raw, (failure) => {
        if (failure !== undefined) this.emit('send-error', { record, error: failure });
      });
      if (!queued) {
        record.dropped = true;
        record.note = 'outbound queue full';
      }
    } else if (target === undefined) record.dropped = true;
    this.#publish(record);
    for (const reply of replies) reply();
    return record;
  }

  // ---------------------------------------------------------------- log

  #publish(record: TrafficRecord): void {
    const stats = this.#stats;
    stats[record.direction]++;
    if (record.dropped) stats.dropped++;
    if (record.error !== undefined) stats.undecodable++;
    stats.byName.set(record.name, (stats.byName.get(record.name) ?? 0) + 1);
    if (this.#maxRecords > 0) {
      this.#records.push(record);
      if (this.#records.length - this.#recordsStart > this.#maxRecords) {
        this.#recordsStart++;
        if (this.#recordsStart >= this.#maxRecords) {
          this.#records.splice(0, this.#recordsStart);
          this.#recordsStart = 0;
        }
      }
    }
    this.#expectations.observe(record);
    if (this.listenerCount('record') > 0) this.emit('record', record);
  }

  // ---------------------------------------------------------------- HTTP endpoints

  #mountRoutes(): void {
    const router = this.endpoint.router;
    const json = (body: unknown): RouteResponse => ({
      status: 200,
      headers: [['Content-Type', 'application/json']],
      body: JSON.stringify(body),
    });
    const state = (): RouteResponse => json(stateJson(this.simulation.snapshot(), this.#leaderInfo(), this.#flags()));
    for (const path of ['/master/state', '/master/state.json', '/state', '/state.json']) router.add('*', path, state);
    for (const path of ['/master/frameworks', '/frameworks']) {
      router.add('*', path, () => json(frameworksJson(this.simulation.snapshot())));
    }
    for (const path of ['/master/slaves', '/slaves']) {
      router.add('*', path, () => json(slavesJson(this.simulation.snapshot())));
    }
    const redirect = (): RouteResponse => {
      const info = this.simulation.masterInfo;
      const host = info.hostname !== undefined && info.hostname !== '' ? info.hostname : this.address.ip;
      return { status: 307, headers: [['Location', `//${host}:${info.port}`]] };
    };
    for (const path of ['/master/redirect', '/redirect']) router.add('*', path, redirect);
    const health = (): RouteResponse => ({ status: 200 });
    for (const path of ['/master/health', '/health']) router.add('*', path, health);
    router.add('*', '/version', () => {
      const build = buildInfo(this.simulation.masterInfo.version ?? '');
      return json({
        build_date: build.build_date,
        build_time: build.build_time,
        build_user: build.build_user,
        version: build.version,
      });
    });
  }

  #leaderInfo(): unknown {
    const type = messageType('mesos.MasterInfo');
    const message = type.fromObject(this.simulation.masterInfo) as unknown as ProtoMessage;
    return JSON.parse(toMesosJson(message, type));
  }

  #flags(): Record<string, string> {
    const { ip, port } = this.address;
    return {
      allocation_interval: '1secs',
      authenticate_frameworks: 'false',
      authenticate_agents: 'false',
      framework_sorter: 'drf',
      hostname_lookup: 'false',
      ip,
      port: String(port),
      max_completed_frameworks: '50',
      max_completed_tasks_per_framework: '1000',
      registry: 'in_memory',
    };
  }

  // ---------------------------------------------------------------- helpers

  #bodyBytes(message: InjectedMessage): Uint8Array {
    const body = message.body;
    if (body === undefined) return EMPTY;
    return body instanceof Uint8Array ? body : encodePlain(message.name, body);
  }

  #isLocal(upid: string): boolean {
    const at = upid.indexOf('@');
    if (at < 0) return true;
    const { ip, port } = this.address;
    return upid.slice(at + 1) === `${ip}:${port}`;
  }

  #isAgent(upid: string): boolean {
    const at = upid.indexOf('@');
    return this.#agentIds.has(at < 0 ? upid : upid.slice(0, at));
  }

  #serveAgent(pid: string): void {
    const at = pid.indexOf('@');
    if (at < 0 || !this.#isLocal(pid)) return;
    const id = pid.slice(0, at);
    if (this.#agentIds.has(id)) return;
    this.#agentIds.add(id);
    this.endpoint.register(id, (message) => this.#onInbound(message, 'agent'));
  }

  #frameworkPid(framework: string): string {
    if (framework.includes('@')) return framework;
    const connection = this.simulation.frameworkConnection(framework)?.connection;
    if (connection?.kind !== 'pid') {
      throw mwError('MW_INVALID_ARGUMENT', `framework ${framework} is unknown or not a scheduler driver`);
    }
    return connection.pid;
  }

  #outboundPort(address: string): number {
    let port = this.#outboundPorts.get(address);
    if (port === undefined) {
      port = CAPTURE_EPHEMERAL_BASE + this.#outboundPorts.size;
      this.#outboundPorts.set(address, port);
    }
    return port;
  }
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** Wall-clock ms with sub-ms precision. */
function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

function ipv4Or(address: string, fallback: string): string {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^\d+\.\d+\.\d+\.\d+$/.test(v4) ? v4 : fallback;
}

/**
 * The request as it was on the wire, rebuilt from its decoded form: headers in order and case, the chunk sizes as
 * sent (chunk extensions, if any, are not kept by the decoder).
 */
export function rawRequest(request: HttpRequestMessage): Uint8Array {
  const base = {
    method: request.method,
    target: request.target,
    version: request.version,
    headers: request.headers,
  };
  if (request.framing !== 'chunked') return encodeRequest({ ...base, body: request.body, framing: 'none' });
  const head = encodeRequest({ ...base, framing: 'none' });
  const parts: Uint8Array[] = [head];
  const encoder = new TextEncoder();
  let at = 0;
  for (const size of request.chunks) {
    if (size === 0) break;
    parts.push(encoder.encode(`${size.toString(16)}\r\n`), request.body.subarray(at, at + size), CRLF);
    at += size;
  }
  parts.push(encoder.encode('0\r\n\r\n'));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const CRLF = new Uint8Array([0x0d, 0x0a]);
