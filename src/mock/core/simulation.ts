/**
 * The mock master's simulation core: a Mesos master with virtual agents, driven by commands and a virtual clock,
 * producing addressed outputs. It knows no protocol: front ends turn messages into `Command`s and `Output`s into
 * messages. Behaviour follows src/master/master.cpp, the hierarchical allocator and the agent's status update
 * manager (HEAD c1b42f79d) where a framework can observe it; see the README of this folder for what is simplified.
 */
import { mwError } from '../../errors.ts';
import { type AgentResourceDefaults, agentResources } from './agent-resources.ts';
import { type TimerId, VirtualClock } from './clock.ts';
import {
  type AcceptCommand,
  type Command,
  type CommandResult,
  type FrameworkConnection,
  type KillCommand,
  type ReconcileCommand,
  type SubscribeCommand,
  sameConnection,
} from './commands.ts';
import {
  formatAgentId,
  formatFrameworkId,
  formatOfferId,
  formatUuid,
  masterInfoIp,
  SeededRandom,
  uuidEquals,
} from './ids.ts';
import { type LogEntry, SimulationLog } from './log.ts';
import type { AgentMessage, OperatorEvent, Output, SchedulerEvent } from './outputs.ts';
import {
  addResources,
  containsResources,
  filterAllocatable,
  isAllocatable,
  normalizeResources,
  reservationRole,
  scalarTotal,
  subtractResources,
  upgradeResources,
} from './resources.ts';
import type { AgentRecord, FrameworkRecord, OfferRecord, TaskRecord } from './state.ts';
import {
  DEFAULT_TASK_TIMINGS,
  matchRule,
  type TaskBehavior,
  type TaskRule,
  type TaskStep,
  type TaskTimings,
  toScript,
} from './task-scripts.ts';
import {
  type Attribute,
  type ExecutorInfo,
  type Filters,
  type FrameworkInfo,
  type IdValue,
  isTerminalState,
  type MasterInfo,
  type Resource,
  type StatusReason,
  type StatusSource,
  type StatusUpdate,
  type Task,
  type TaskInfo,
  type TaskStateName,
  type TaskStatus,
} from './types.ts';
import {
  agentView,
  type FrameworkSnapshot,
  frameworkView,
  type MasterSnapshot,
  offerMessage,
  type RemovedAgent,
} from './views.ts';

/** `--allocation_interval` default (1 s). */
export const DEFAULT_ALLOCATION_INTERVAL_MS = 1000;
/** `DEFAULT_HEARTBEAT_INTERVAL` of v1 scheduler streams (15 s). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;
/** Agent status update retry: STATUS_UPDATE_RETRY_INTERVAL_MIN (10 s), doubling up to ..._MAX (10 min). */
export const STATUS_UPDATE_RETRY_MIN_MS = 10_000;
/** See STATUS_UPDATE_RETRY_MIN_MS. */
export const STATUS_UPDATE_RETRY_MAX_MS = 600_000;
/** `Filters.refuse_seconds` default. */
export const DEFAULT_REFUSE_SECONDS = 5;
/** `--max_completed_tasks_per_framework` default. */
export const MAX_COMPLETED_TASKS_PER_FRAMEWORK = 1000;
/** `--max_completed_frameworks` default. */
export const MAX_COMPLETED_FRAMEWORKS = 50;

const MAX_REFUSE_SECONDS = 365 * 24 * 3600;

/** A virtual agent to create. */
export interface AgentSpec {
  /** Resources text (`cpus:4;mem:8192;...`) or resources; what is left out gets the agent defaults. */
  resources?: string | Resource[];
  /** Agent `--default_role` (default `*`). */
  defaultRole?: string;
  hostname?: string;
  /** UPID text; default `slave(<n>)@<master ip>:<master port>`, so a front end can serve it on the master's port. */
  pid?: string;
  attributes?: Attribute[];
}

/** Options of `MasterSimulation`. Every default is Mesos's unless noted. */
export interface MasterSimulationOptions {
  /** Master IPv4 address (default 127.0.0.1). */
  ip?: string;
  /** Master port (default 5050). */
  port?: number;
  /** `MasterInfo.hostname` (default: the ip). */
  hostname?: string;
  /** `MasterInfo.version` (default 1.11.0). */
  version?: string;
  /** Master id (default: a UUID drawn from `seed`). */
  masterId?: string;
  /** Seed of every random choice (ids, uuids); default 1. */
  seed?: number;
  /** A clock to share; default a new one starting at `startTimeMs`. */
  clock?: VirtualClock;
  /** Start of virtual time, Unix ms (default 2020-09-13T12:26:40Z = 1_600_000_000_000). */
  startTimeMs?: number;
  /** Agents to create: a count (each with `resources`), or specs (default 1). */
  agents?: number | AgentSpec[];
  /** Resources text for agents given by count (default empty: all defaults). */
  resources?: string;
  /** Fallbacks for resources the text leaves out (default DEFAULT_CPUS etc., see agent-resources.ts). */
  agentDefaults?: AgentResourceDefaults;
  allocationIntervalMs?: number;
  /** `--offer_timeout` (default none). */
  offerTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  statusUpdateRetryMinMs?: number;
  statusUpdateRetryMaxMs?: number;
  /** Delays of the named task scripts. */
  taskTimings?: Partial<TaskTimings>;
  /** Behaviour when no rule matches (default `finish`). */
  defaultTaskBehavior?: TaskBehavior;
  /** Rules by task id or predicate, first match wins. */
  taskRules?: TaskRule[];
  /** A hook consulted before the rules. */
  taskBehavior?: (task: TaskInfo, frameworkId: string) => TaskBehavior | undefined;
  /** Bound of the decoded log (default 100,000 entries; 0 keeps none). */
  maxLogEntries?: number;
}

type Queued = { kind: 'output'; output: Output } | { kind: 'operator'; event: OperatorEvent };

/** See the file comment. */
export class MasterSimulation {
  /** The clock everything runs on. */
  readonly clock: VirtualClock;
  /** `MasterInfo` as sent in registrations. */
  readonly masterInfo: MasterInfo;
  /** The decoded log. */
  readonly log: SimulationLog;
  readonly startTime: number;

  readonly #random: SeededRandom;
  readonly #options: Required<
    Pick<
      MasterSimulationOptions,
      'allocationIntervalMs' | 'heartbeatIntervalMs' | 'statusUpdateRetryMinMs' | 'statusUpdateRetryMaxMs'
    >
  > & { offerTimeoutMs: number | undefined };
  readonly #timings: TaskTimings;
  #defaultBehavior: TaskBehavior;
  #rules: TaskRule[];
  #behaviorHook: ((task: TaskInfo, frameworkId: string) => TaskBehavior | undefined) | undefined;
  readonly #agentDefaults: AgentResourceDefaults;
  readonly #defaultAgentResources: string;

  readonly #frameworks = new Map<string, FrameworkRecord>();
  readonly #completedFrameworks: FrameworkSnapshot[] = [];
  readonly #removedFrameworkIds = new Set<string>();
  readonly #agents = new Map<string, AgentRecord>();
  readonly #removedAgents = new Map<string, RemovedAgent>();
  readonly #offers = new Map<string, OfferRecord>();

  #nextFrameworkId = 0;
  #nextOfferId = 0;
  #nextAgentId = 0;
  #agentOrdinal = 0;
  #frameworkOrdinal = 0;
  #seq = 0;

  #allocationTimer: TimerId | undefined;
  #allocationSoon: TimerId | undefined;
  #stopped = false;

  readonly #outbox: Queued[] = [];
  #flushing = false;
  readonly #outputListeners = new Set<(output: Output) => void>();
  readonly #operatorListeners = new Set<(event: OperatorEvent) => void>();

  constructor(options: MasterSimulationOptions = {}) {
    this.clock = options.clock ?? new VirtualClock(options.startTimeMs ?? 1_600_000_000_000);
    this.startTime = this.clock.now();
    this.#random = new SeededRandom(options.seed ?? 1);
    this.log = new SimulationLog(options.maxLogEntries);
    this.#options = {
      allocationIntervalMs: options.allocationIntervalMs ?? DEFAULT_ALLOCATION_INTERVAL_MS,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
      statusUpdateRetryMinMs: options.statusUpdateRetryMinMs ?? STATUS_UPDATE_RETRY_MIN_MS,
      statusUpdateRetryMaxMs: options.statusUpdateRetryMaxMs ?? STATUS_UPDATE_RETRY_MAX_MS,
      offerTimeoutMs: options.offerTimeoutMs,
    };
    if (!(this.#options.allocationIntervalMs > 0)) {
      throw mwError('MW_INVALID_ARGUMENT', 'allocationIntervalMs must be a positive number of milliseconds');
    }
    this.#timings = { ...DEFAULT_TASK_TIMINGS, ...options.taskTimings };
    this.#defaultBehavior = options.defaultTaskBehavior ?? 'finish';
    this.#rules = [...(options.taskRules ?? [])];
    this.#behaviorHook = options.taskBehavior;
    this.#agentDefaults = options.agentDefaults ?? {};
    this.#defaultAgentResources = options.resources ?? '';

    const ip = options.ip ?? '127.0.0.1';
    const port = options.port ?? 5050;
    const hostname = options.hostname ?? ip;
    const id = options.masterId ?? formatUuid(this.#random.uuidBytes());
    this.masterInfo = {
      id,
      ip: masterInfoIp(ip),
      port,
      pid: `master@${ip}:${port}`,
      hostname,
      version: options.version ?? '1.11.0',
      address: { hostname, ip, port },
      capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
    };

    const agents = options.agents ?? 1;
    const specs = typeof agents === 'number' ? Array.from({ length: agents }, (): AgentSpec => ({})) : agents;
    for (const spec of specs) this.#addAgent(spec);
    this.#scheduleAllocationCycle();
    this.#flush();
  }

  // ---------------------------------------------------------------- public surface

  /** Listens to every output; returns the unsubscribe function. Listeners may call back into the simulation. */
  onOutput(listener: (output: Output) => void): () => void {
    this.#outputListeners.add(listener);
    return () => this.#outputListeners.delete(listener);
  }

  /** Listens to operator API events (TASK_ADDED, TASK_UPDATED, AGENT_ADDED, FRAMEWORK_ADDED, ...). */
  onOperatorEvent(listener: (event: OperatorEvent) => void): () => void {
    this.#operatorListeners.add(listener);
    return () => this.#operatorListeners.delete(listener);
  }

  /** Advances the virtual clock (shorthand for `clock.advance`). */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** Applies one command; outputs it causes are delivered before this returns. */
  execute(command: Command): CommandResult {
    const entry: LogEntry = {
      kind: 'command',
      seq: this.#seq++,
      time: this.clock.now(),
      command,
      result: { ok: true },
    };
    this.log.append(entry);
    const result = this.#dispatch(command);
    entry.result = result;
    this.#flush();
    return result;
  }

  /** Adds a virtual agent now; returns its id. */
  addAgent(spec: AgentSpec = {}): string {
    const id = this.#addAgent(spec);
    this.#flush();
    return id;
  }

  /**
   * Removes an agent as the master does when it becomes unreachable or is marked gone: offers on it are rescinded,
   * its tasks are reported lost (TASK_UNREACHABLE / TASK_GONE_BY_OPERATOR to PARTITION_AWARE frameworks) and every
   * framework learns the agent is lost. Returns false for an unknown agent.
   */
  removeAgent(agentId: string, how: 'unreachable' | 'gone' = 'unreachable'): boolean {
    const agent = this.#agents.get(agentId);
    if (agent === undefined) return false;
    this.#removeAgent(agent, how);
    this.#flush();
    return true;
  }

  /** An executor sends data to its framework (ExecutorToFrameworkMessage / MESSAGE). False if there is no such executor. */
  sendExecutorMessage(frameworkId: string, agentId: string, executorId: string, data: Uint8Array): boolean {
    const agent = this.#agents.get(agentId);
    const fw = this.#frameworks.get(frameworkId);
    if (agent === undefined || fw === undefined || !agent.executors.has(`${frameworkId}/${executorId}`)) return false;
    this.#toFramework(fw, {
      type: 'MESSAGE',
      slave_id: { value: agentId },
      executor_id: { value: executorId },
      data,
      agent_pid: agent.pid,
    });
    this.#flush();
    return true;
  }

  /**
   * Makes a task's executor report a state now (e.g. to finish a `hang` task); a terminal state ends its script.
   * False when the task is unknown or already terminal on its agent.
   */
  reportTaskState(
    frameworkId: string,
    taskId: string,
    state: TaskStateName,
    details: { source?: StatusSource; reason?: StatusReason; message?: string; data?: Uint8Array } = {},
  ): boolean {
    const task = this.#frameworks.get(frameworkId)?.tasks.get(taskId);
    if (task === undefined || isTerminalState(task.agentState)) return false;
    this.#report(task, { state, after_ms: 0, source: details.source ?? 'SOURCE_EXECUTOR', ...details });
    this.#flush();
    return true;
  }

  /** Replaces the task rules (for tasks launched from now on). */
  setTaskRules(rules: TaskRule[], defaultBehavior?: TaskBehavior): void {
    this.#rules = [...rules];
    if (defaultBehavior !== undefined) this.#defaultBehavior = defaultBehavior;
  }

  /** Sets the behaviour hook (consulted before the rules). */
  setTaskBehaviorHook(hook: ((task: TaskInfo, frameworkId: string) => TaskBehavior | undefined) | undefined): void {
    this.#behaviorHook = hook;
  }

  /** Where and whether a framework is connected (for front ends routing calls), or undefined if unknown. */
  frameworkConnection(
    frameworkId: string,
  ): { connection: FrameworkConnection; connected: boolean; active: boolean } | undefined {
    const fw = this.#frameworks.get(frameworkId);
    return fw === undefined ? undefined : { connection: fw.connection, connected: fw.connected, active: fw.active };
  }

  /** Ids of the current agents with their UPIDs. */
  agentPids(): { id: string; pid: string }[] {
    return [...this.#agents.values()].map((a) => ({ id: a.id, pid: a.pid }));
  }

  /** Stops periodic work (allocation, heartbeats, task scripts, retries): cancels every timer of this master. */
  stop(): void {
    this.#stopped = true;
    this.clock.cancel(this.#allocationTimer);
    this.clock.cancel(this.#allocationSoon);
    for (const fw of this.#frameworks.values()) {
      this.clock.cancel(fw.failoverTimer);
      this.clock.cancel(fw.heartbeatTimer);
      for (const byAgent of fw.filters.values())
        for (const list of byAgent.values()) for (const f of list) this.clock.cancel(f.timer);
      for (const task of fw.tasks.values()) {
        this.clock.cancel(task.stepTimer);
        this.clock.cancel(task.retryTimer);
      }
    }
    for (const offer of this.#offers.values()) this.clock.cancel(offer.timer);
  }

  /** Everything a state endpoint shows, as plain data. */
  snapshot(): MasterSnapshot {
    const frameworks = [...this.#frameworks.values()].map((fw) => this.#frameworkSnapshot(fw));
    const agents = [...this.#agents.values()].map((agent) => ({
      ...agentView(agent, this.#offeredOn(agent)),
      id: agent.id,
      hostname: agent.hostname,
      attributes: agent.attributes,
    }));
    return {
      master_info: this.masterInfo,
      start_time: this.startTime,
      now: this.clock.now(),
      frameworks,
      completed_frameworks: [...this.#completedFrameworks],
      agents,
      removed_agents: [...this.#removedAgents.values()],
      offers: frameworks.flatMap((f) => f.offers),
      tasks: frameworks.flatMap((f) => f.tasks),
      completed_tasks: [...frameworks, ...this.#completedFrameworks].flatMap((f) => f.completed_tasks),
    };
  }

  // ---------------------------------------------------------------- outputs

  #emit(queued: Queued): void {
    this.#outbox.push(queued);
  }

  #output(output: Output): void {
    this.log.append({ kind: 'output', seq: output.seq, time: output.time, output });
    this.#emit({ kind: 'output', output });
  }

  #toConnection(to: FrameworkConnection, frameworkId: string | undefined, event: SchedulerEvent): void {
    this.#output({
      target: 'framework',
      seq: this.#seq++,
      time: this.clock.now(),
      framework_id: frameworkId,
      to,
      event,
    });
  }

  /** Sends to a framework if it is connected (the master drops what it cannot send). */
  #toFramework(fw: FrameworkRecord, event: SchedulerEvent): void {
    if (fw.connected) this.#toConnection(fw.connection, fw.id, event);
  }

  #toAgent(agent: AgentRecord, message: AgentMessage): void {
    this.#output({
      target: 'agent',
      seq: this.#seq++,
      time: this.clock.now(),
      agent_id: agent.id,
      agent_pid: agent.pid,
      message,
    });
  }

  #operator(event: OperatorEvent): void {
    this.log.append({ kind: 'operator', seq: this.#seq++, time: this.clock.now(), event });
    this.#emit({ kind: 'operator', event });
  }

  #note(text: string): void {
    this.log.append({ kind: 'note', seq: this.#seq++, time: this.clock.now(), text });
  }

  /** Delivers queued outputs in order; re-entrant calls from listeners queue more, delivered by the outer loop. */
  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    let delivered = 0;
    try {
      while (delivered < this.#outbox.length) {
        const item = this.#outbox[delivered++]!;
        if (item.kind === 'output') for (const l of [...this.#outputListeners]) l(item.output);
        else for (const l of [...this.#operatorListeners]) l(item.event);
      }
    } finally {
      this.#outbox.splice(0, delivered);
      this.#flushing = false;
    }
  }

  /** A timer whose outputs are delivered when it fires. */
  #timer(delayMs: number, fn: () => void): TimerId {
    return this.clock.setTimer(delayMs, () => {
      if (this.#stopped) return;
      fn();
      this.#flush();
    });
  }

  // ---------------------------------------------------------------- commands

  #dispatch(command: Command): CommandResult {
    switch (command.type) {
      case 'SUBSCRIBE':
        return this.#subscribe(command);
      case 'DISCONNECTED':
        return this.#disconnected(command.connection);
      default:
        break;
    }
    const fw = this.#callingFramework(command.framework_id, command.from);
    if (!('id' in fw)) return fw;
    switch (command.type) {
      case 'TEARDOWN':
        this.#removeFramework(fw);
        return OK;
      case 'DEACTIVATE':
        if (fw.active) this.#deactivate(fw, true);
        return OK;
      case 'ACCEPT':
        return this.#accept(fw, command);
      case 'LAUNCH_TASKS':
        return this.#accept(fw, {
          type: 'ACCEPT',
          framework_id: command.framework_id,
          offer_ids: command.offer_ids,
          operations: [{ type: 'LAUNCH', launch: { task_infos: command.tasks } }],
          ...(command.filters === undefined ? {} : { filters: command.filters }),
        });
      case 'DECLINE':
        for (const id of command.offer_ids) {
          const offer = this.#offers.get(id.value);
          if (offer === undefined || offer.frameworkId !== fw.id) continue;
          this.#removeOffer(offer, { rescind: false, filters: command.filters ?? {} });
        }
        return OK;
      case 'REVIVE':
        return this.#revive(fw, command.roles ?? []);
      case 'SUPPRESS':
        return this.#suppress(fw, command.roles ?? []);
      case 'KILL':
        this.#kill(fw, command);
        return OK;
      case 'ACKNOWLEDGE':
        this.#acknowledge(fw, command.slave_id.value, command.task_id.value, command.uuid);
        return OK;
      case 'RECONCILE':
        this.#reconcile(fw, command);
        return OK;
      case 'MESSAGE': {
        const agent = this.#agents.get(command.slave_id.value);
        if (agent === undefined) return OK;
        this.#toAgent(agent, {
          type: 'FRAMEWORK_TO_EXECUTOR',
          slave_id: command.slave_id,
          framework_id: { value: fw.id },
          executor_id: command.executor_id,
          data: command.data,
        });
        return OK;
      }
      case 'REQUEST':
        this.#note(`framework ${fw.id} requested resources; the allocator ignores requests`);
        return OK;
      case 'SHUTDOWN':
        this.#shutdownExecutor(fw, command.slave_id.value, command.executor_id.value);
        return OK;
    }
  }

  #callingFramework(
    id: IdValue,
    from: FrameworkConnection | undefined,
  ): FrameworkRecord | Exclude<CommandResult, { ok: true }> {
    const fw = this.#frameworks.get(id.value);
    if (fw === undefined) return { ok: false, reason: 'FRAMEWORK_NOT_FOUND', message: 'Framework cannot be found' };
    if (!fw.connected) return { ok: false, reason: 'NOT_SUBSCRIBED', message: 'Framework is not subscribed' };
    if (from !== undefined && !sameConnection(from, fw.connection)) {
      if (from.kind === 'http' && fw.connection.kind === 'http') {
        return {
          ok: false,
          reason: 'STREAM_MISMATCH',
          message:
            `The stream ID '${from.stream_id}' included in this request didn't match the stream ID currently ` +
            `associated with framework ID ${fw.id}`,
        };
      }
      if (from.kind === 'http') {
        return { ok: false, reason: 'WRONG_CONNECTION', message: 'Framework is not connected via HTTP' };
      }
      return { ok: false, reason: 'WRONG_CONNECTION', message: 'Call is not from registered framework' };
    }
    return fw;
  }

  // ---------------------------------------------------------------- frameworks

  #subscribe(command: SubscribeCommand): CommandResult {
    const from = command.from;
    const info: FrameworkInfo = { ...command.framework_info };
    const requestedId = info.id?.value ?? '';
    if (requestedId === '') {
      // A driver retrying its first SUBSCRIBE gets the same registration again.
      if (from.kind === 'pid') {
        for (const fw of this.#frameworks.values()) {
          if (sameConnection(fw.connection, from) && fw.connected) {
            this.#toFramework(fw, this.#subscribed(fw, false));
            return OK;
          }
        }
      }
      const id = formatFrameworkId(this.masterInfo.id, this.#nextFrameworkId++);
      const fw = this.#newFramework({ ...info, id: { value: id } }, from, command.suppressed_roles);
      this.#toFramework(fw, this.#subscribed(fw, false));
      if (from.kind === 'http') this.#startHeartbeats(fw);
      this.#operator({ type: 'FRAMEWORK_ADDED', framework: this.#frameworkView(fw) });
      this.#allocateSoon();
      return OK;
    }

    if (this.#removedFrameworkIds.has(requestedId)) {
      this.#toConnection(from, requestedId, { type: 'ERROR', message: 'Framework has been removed' });
      if (from.kind === 'http') this.#toConnection(from, requestedId, { type: 'CLOSE' });
      return OK;
    }

    let fw = this.#frameworks.get(requestedId);
    if (fw === undefined) {
      // Unknown id: what a master does after its own failover, before agents report the framework's tasks
      // (`recoverFramework`); the framework is taken in with the id it brings.
      fw = this.#newFramework(info, from, command.suppressed_roles);
      fw.reregisteredTime = this.clock.now();
      this.#toFramework(fw, this.#subscribed(fw, from.kind === 'pid'));
      if (from.kind === 'http') this.#startHeartbeats(fw);
      this.#operator({ type: 'FRAMEWORK_ADDED', framework: this.#frameworkView(fw) });
      this.#allocateSoon();
      return OK;
    }

    if (from.kind === 'pid' && !sameConnection(fw.connection, from) && command.force !== true) {
      this.#toConnection(from, fw.id, { type: 'ERROR', message: 'Framework failed over' });
      return OK;
    }

    this.#updateFrameworkInfo(fw, info, command.suppressed_roles);
    fw.reregisteredTime = this.clock.now();
    this.clock.cancel(fw.failoverTimer);
    fw.failoverTimer = undefined;

    if (from.kind === 'http' || command.force === true) {
      // Failover (`failoverFramework`): the old connection is told and dropped, outstanding offers are discarded
      // without rescinds, and the new connection gets a fresh registration.
      if (fw.connected && !sameConnection(fw.connection, from)) {
        this.#toFramework(fw, { type: 'ERROR', message: 'Framework failed over' });
        if (fw.connection.kind === 'http') this.#toFramework(fw, { type: 'CLOSE' });
      }
      this.clock.cancel(fw.heartbeatTimer);
      fw.heartbeatTimer = undefined;
      fw.connection = from;
      fw.connected = true;
      for (const offerId of [...fw.offers]) this.#removeOffer(this.#offers.get(offerId)!, { rescind: false });
      fw.active = true;
      this.#toFramework(fw, this.#subscribed(fw, false));
      if (from.kind === 'http') this.#startHeartbeats(fw);
    } else {
      // Same driver again without failover: offers are rescinded (the driver may have dropped replies to them).
      for (const offerId of [...fw.offers]) this.#removeOffer(this.#offers.get(offerId)!, { rescind: true });
      fw.connected = true;
      fw.active = true;
      this.#toFramework(fw, this.#subscribed(fw, true));
    }
    this.#operator({ type: 'FRAMEWORK_UPDATED', framework: this.#frameworkView(fw) });
    this.#allocateSoon();
    return OK;
  }

  #subscribed(fw: FrameworkRecord, reregistered: boolean): SchedulerEvent {
    return {
      type: 'SUBSCRIBED',
      framework_id: { value: fw.id },
      master_info: this.masterInfo,
      heartbeat_interval_seconds: this.#options.heartbeatIntervalMs / 1000,
      reregistered,
    };
  }

  #newFramework(
    info: FrameworkInfo,
    connection: FrameworkConnection,
    suppressed: string[] | undefined,
  ): FrameworkRecord {
    const fw: FrameworkRecord = {
      id: info.id!.value,
      info,
      connection,
      connected: true,
      active: true,
      roles: [],
      capabilities: new Set(),
      suppressedRoles: new Set(),
      filters: new Map(),
      offers: new Set(),
      tasks: new Map(),
      completedTasks: [],
      allocated: { cpus: 0, mem: 0, disk: 0 },
      registeredTime: this.clock.now(),
      reregisteredTime: undefined,
      unregisteredTime: undefined,
      failoverTimer: undefined,
      heartbeatTimer: undefined,
      ordinal: this.#frameworkOrdinal++,
    };
    this.#updateFrameworkInfo(fw, info, suppressed);
    this.#frameworks.set(fw.id, fw);
    return fw;
  }

  #updateFrameworkInfo(fw: FrameworkRecord, info: FrameworkInfo, suppressed: string[] | undefined): void {
    fw.info = { ...info, id: { value: fw.id } };
    fw.capabilities = new Set((info.capabilities ?? []).map((c) => c.type ?? 'UNKNOWN'));
    fw.roles = fw.capabilities.has('MULTI_ROLE') ? [...(info.roles ?? [])] : [info.role ?? '*'];
    fw.suppressedRoles = new Set((suppressed ?? []).filter((r) => fw.roles.includes(r)));
  }

  #startHeartbeats(fw: FrameworkRecord): void {
    const connection = fw.connection;
    const beat = (): void => {
      if (!fw.connected || !sameConnection(fw.connection, connection)) return;
      this.#toFramework(fw, { type: 'HEARTBEAT' });
      fw.heartbeatTimer = this.#timer(this.#options.heartbeatIntervalMs, beat);
    };
    beat();
  }

  #disconnected(connection: FrameworkConnection): CommandResult {
    for (const fw of this.#frameworks.values()) {
      if (!fw.connected || !sameConnection(fw.connection, connection)) continue;
      // A driver is told (the master sends this even though the link is gone; see `Master::exited`).
      if (connection.kind === 'pid') this.#toFramework(fw, { type: 'ERROR', message: 'Framework disconnected' });
      if (fw.active) this.#deactivate(fw, true);
      fw.connected = false;
      this.clock.cancel(fw.heartbeatTimer);
      fw.heartbeatTimer = undefined;
      const timeoutMs = Math.max(0, (fw.info.failover_timeout ?? 0) * 1000);
      this.#note(`framework ${fw.id} disconnected; ${timeoutMs} ms to fail over`);
      fw.failoverTimer = this.#timer(timeoutMs, () => {
        fw.failoverTimer = undefined;
        if (!fw.connected) this.#removeFramework(fw);
      });
      return OK;
    }
    return OK;
  }

  #deactivate(fw: FrameworkRecord, rescind: boolean): void {
    fw.active = false;
    for (const offerId of [...fw.offers]) this.#removeOffer(this.#offers.get(offerId)!, { rescind });
  }

  #removeFramework(fw: FrameworkRecord): void {
    this.clock.cancel(fw.failoverTimer);
    this.clock.cancel(fw.heartbeatTimer);
    // Nothing more reaches the framework (no rescinds, no executor exits); a v1 stream is closed.
    const closeStream = fw.connected && fw.connection.kind === 'http';
    fw.connected = false;
    fw.active = false;
    for (const offerId of [...fw.offers]) this.#removeOffer(this.#offers.get(offerId)!, { rescind: false });
    for (const byAgent of fw.filters.values())
      for (const list of byAgent.values()) for (const f of list) this.clock.cancel(f.timer);
    fw.filters.clear();

    const agentsTouched = new Set<string>();
    for (const task of [...fw.tasks.values()]) {
      agentsTouched.add(task.agentId);
      this.clock.cancel(task.stepTimer);
      this.clock.cancel(task.retryTimer);
      task.pending = [];
      if (!isTerminalState(task.task.state)) {
        const status = this.#masterStatus(fw, task.info.task_id, 'TASK_KILLED', {
          reason: 'REASON_FRAMEWORK_REMOVED',
          message: `Framework ${fw.id} removed`,
          slaveId: task.agentId,
          executorId: task.executorId,
        });
        task.task.state = 'TASK_KILLED';
        task.task.statuses.push(status);
        this.#operator({ type: 'TASK_UPDATED', framework_id: { value: fw.id }, status, state: 'TASK_KILLED' });
      }
      this.#releaseTask(task);
    }
    for (const agent of this.#agents.values()) {
      for (const [key, executor] of agent.executors) {
        if (executor.frameworkId !== fw.id) continue;
        agentsTouched.add(agent.id);
        agent.executors.delete(key);
        this.#release(agent, fw, executor.resources);
      }
    }
    for (const agentId of agentsTouched) {
      const agent = this.#agents.get(agentId);
      if (agent !== undefined) this.#toAgent(agent, { type: 'SHUTDOWN_FRAMEWORK', framework_id: { value: fw.id } });
    }
    if (closeStream) this.#toConnection(fw.connection, fw.id, { type: 'CLOSE' });
    fw.unregisteredTime = this.clock.now();
    this.#frameworks.delete(fw.id);
    this.#removedFrameworkIds.add(fw.id);
    this.#completedFrameworks.push(this.#frameworkSnapshot(fw));
    if (this.#completedFrameworks.length > MAX_COMPLETED_FRAMEWORKS) this.#completedFrameworks.shift();
    this.#operator({ type: 'FRAMEWORK_REMOVED', framework_info: fw.info });
  }

  #revive(fw: FrameworkRecord, roles: string[]): CommandResult {
    const unknown = roles.find((r) => !fw.roles.includes(r));
    if (unknown !== undefined) {
      return {
        ok: false,
        reason: 'INVALID',
        message: `revive role '${unknown}' is not one of the frameworks's subscribed roles`,
      };
    }
    for (const role of roles.length > 0 ? roles : fw.roles) {
      fw.suppressedRoles.delete(role);
      const byAgent = fw.filters.get(role);
      if (byAgent === undefined) continue;
      for (const list of byAgent.values()) for (const f of list) this.clock.cancel(f.timer);
      fw.filters.delete(role);
    }
    this.#allocateSoon();
    return OK;
  }

  #suppress(fw: FrameworkRecord, roles: string[]): CommandResult {
    const unknown = roles.find((r) => !fw.roles.includes(r));
    if (unknown !== undefined) {
      return {
        ok: false,
        reason: 'INVALID',
        message: `suppress role '${unknown}' is not one of the frameworks's subscribed roles`,
      };
    }
    for (const role of roles.length > 0 ? roles : fw.roles) fw.suppressedRoles.add(role);
    return OK;
  }

  // ---------------------------------------------------------------- agents

  #addAgent(spec: AgentSpec): string {
    const n = this.#nextAgentId++;
    const id = formatAgentId(this.masterInfo.id, n);
    const resources =
      typeof spec.resources === 'object'
        ? normalizeResources(upgradeResources(spec.resources))
        : agentResources(spec.resources ?? this.#defaultAgentResources, spec.defaultRole ?? '*', this.#agentDefaults);
    const address = this.masterInfo.address!;
    const agent: AgentRecord = {
      id,
      hostname: spec.hostname ?? this.masterInfo.hostname ?? address.ip ?? '',
      port: address.port,
      pid: spec.pid ?? `slave(${++this.#agentOrdinal})@${address.ip}:${address.port}`,
      attributes: spec.attributes ?? [],
      total: resources,
      allocated: [],
      offers: new Set(),
      executors: new Map(),
      registeredTime: this.clock.now(),
      active: true,
    };
    this.#agents.set(id, agent);
    this.#operator({ type: 'AGENT_ADDED', agent: agentView(agent, []) });
    this.#allocateSoon();
    return id;
  }

  #removeAgent(agent: AgentRecord, how: 'unreachable' | 'gone'): void {
    agent.active = false;
    for (const offerId of [...agent.offers]) this.#removeOffer(this.#offers.get(offerId)!, { rescind: true });
    for (const fw of this.#frameworks.values()) {
      const partitionAware = fw.capabilities.has('PARTITION_AWARE');
      const state: TaskStateName = !partitionAware
        ? 'TASK_LOST'
        : how === 'unreachable'
          ? 'TASK_UNREACHABLE'
          : 'TASK_GONE_BY_OPERATOR';
      for (const task of [...fw.tasks.values()]) {
        if (task.agentId !== agent.id) continue;
        this.clock.cancel(task.stepTimer);
        this.clock.cancel(task.retryTimer);
        task.pending = [];
        task.agentState = state;
        const status = this.#masterStatus(fw, task.info.task_id, state, {
          reason: how === 'unreachable' ? 'REASON_SLAVE_REMOVED' : 'REASON_SLAVE_REMOVED_BY_OPERATOR',
          message: how === 'unreachable' ? 'Agent is unreachable' : 'Agent has been marked gone',
          slaveId: agent.id,
          executorId: task.task.executor_id?.value,
        });
        if (how === 'unreachable') status.unreachable_time = { nanoseconds: Math.round(this.clock.now() * 1e6) };
        task.task.state = state;
        task.task.statuses.push(status);
        this.#operator({ type: 'TASK_UPDATED', framework_id: { value: fw.id }, status, state });
        this.#toFramework(fw, { type: 'UPDATE', update: this.#masterUpdate(fw, status), pid: '' });
        this.#releaseTask(task, false);
      }
    }
    for (const [key, executor] of agent.executors) {
      agent.executors.delete(key);
      const fw = this.#frameworks.get(executor.frameworkId);
      if (fw !== undefined) this.#release(agent, fw, executor.resources);
    }
    for (const fw of this.#frameworks.values())
      this.#toFramework(fw, { type: 'FAILURE', slave_id: { value: agent.id } });
    this.#agents.delete(agent.id);
    this.#removedAgents.set(agent.id, {
      id: agent.id,
      hostname: agent.hostname,
      pid: agent.pid,
      how,
      time: this.clock.now(),
    });
    this.#operator({ type: 'AGENT_REMOVED', agent_id: { value: agent.id } });
  }

  // ---------------------------------------------------------------- allocation

  #scheduleAllocationCycle(): void {
    this.#allocationTimer = this.#timer(this.#options.allocationIntervalMs, () => {
      this.#allocate();
      this.#scheduleAllocationCycle();
    });
  }

  /** An allocation at the current time (the allocator batches event-triggered allocations the same way). */
  #allocateSoon(): void {
    if (this.#allocationSoon !== undefined || this.#stopped) return;
    this.#allocationSoon = this.#timer(0, () => {
      this.#allocationSoon = undefined;
      this.#allocate();
    });
  }

  /**
   * One allocation pass: for each agent, candidate (framework, role) pairs in fair-share order (lowest dominant
   * share of cpus/mem/disk first, then registration order) get what is available to their role, unless a refuse
   * filter covers it or it is below the minimum allocatable. One OFFERS event per framework per pass.
   */
  #allocate(): void {
    const totals = { cpus: 0, mem: 0, disk: 0 };
    for (const agent of this.#agents.values()) {
      if (!agent.active) continue;
      totals.cpus += scalarTotal(agent.total, 'cpus');
      totals.mem += scalarTotal(agent.total, 'mem');
      totals.disk += scalarTotal(agent.total, 'disk');
    }
    const share = (fw: FrameworkRecord): number =>
      Math.max(
        totals.cpus > 0 ? fw.allocated.cpus / totals.cpus : 0,
        totals.mem > 0 ? fw.allocated.mem / totals.mem : 0,
        totals.disk > 0 ? fw.allocated.disk / totals.disk : 0,
      );
    const batches = new Map<FrameworkRecord, OfferRecord[]>();
    const candidates: { fw: FrameworkRecord; role: string }[] = [];
    for (const fw of this.#frameworks.values()) {
      if (!fw.active || !fw.connected) continue;
      for (const role of fw.roles) if (!fw.suppressedRoles.has(role)) candidates.push({ fw, role });
    }
    if (candidates.length === 0) return;

    for (const agent of this.#agents.values()) {
      if (!agent.active) continue;
      let available = subtractResources(agent.total, agent.allocated);
      if (available.length === 0) continue;
      candidates.sort((a, b) => share(a.fw) - share(b.fw) || a.fw.ordinal - b.fw.ordinal);
      for (const { fw, role } of candidates) {
        const offerable = filterAllocatable(available, role);
        if (!isAllocatable(offerable) || this.#filtered(fw, role, agent.id, offerable)) continue;
        const offer = this.#createOffer(fw, agent, role, offerable);
        let batch = batches.get(fw);
        if (batch === undefined) batches.set(fw, (batch = []));
        batch.push(offer);
        available = subtractResources(available, offerable);
        if (available.length === 0) break;
      }
    }
    for (const [fw, offers] of batches) {
      const messages = offers.map((o) => offerMessage(fw, this.#agents.get(o.agentId)!, o));
      const pids = offers.map((o) => this.#agents.get(o.agentId)!.pid);
      this.#toFramework(fw, { type: 'OFFERS', offers: messages, pids });
    }
  }

  #filtered(fw: FrameworkRecord, role: string, agentId: string, resources: Resource[]): boolean {
    const list = fw.filters.get(role)?.get(agentId);
    return list?.some((f) => containsResources(f.resources, resources)) ?? false;
  }

  #createOffer(fw: FrameworkRecord, agent: AgentRecord, role: string, resources: Resource[]): OfferRecord {
    const offer: OfferRecord = {
      id: formatOfferId(this.masterInfo.id, this.#nextOfferId++),
      frameworkId: fw.id,
      agentId: agent.id,
      role,
      resources,
      timer: undefined,
    };
    this.#offers.set(offer.id, offer);
    fw.offers.add(offer.id);
    agent.offers.add(offer.id);
    this.#charge(agent, fw, resources);
    const timeout = this.#options.offerTimeoutMs;
    if (timeout !== undefined) {
      offer.timer = this.#timer(timeout, () => {
        offer.timer = undefined;
        if (this.#offers.has(offer.id)) this.#removeOffer(offer, { rescind: true });
      });
    }
    return offer;
  }

  /** Removes an offer and returns its resources, optionally rescinding it and installing a refuse filter. */
  #removeOffer(offer: OfferRecord, how: { rescind: boolean; filters?: Filters }): void {
    const fw = this.#frameworks.get(offer.frameworkId);
    const agent = this.#agents.get(offer.agentId);
    this.#offers.delete(offer.id);
    this.clock.cancel(offer.timer);
    fw?.offers.delete(offer.id);
    agent?.offers.delete(offer.id);
    if (fw === undefined || agent === undefined) return;
    if (how.rescind) this.#toFramework(fw, { type: 'RESCIND', offer_id: { value: offer.id } });
    this.#recover(fw, agent, offer.role, offer.resources, how.filters);
  }

  #charge(agent: AgentRecord, fw: FrameworkRecord, resources: Resource[]): void {
    agent.allocated = addResources(agent.allocated, resources);
    fw.allocated.cpus += scalarTotal(resources, 'cpus');
    fw.allocated.mem += scalarTotal(resources, 'mem');
    fw.allocated.disk += scalarTotal(resources, 'disk');
  }

  #release(agent: AgentRecord, fw: FrameworkRecord, resources: Resource[]): void {
    if (resources.length === 0) return;
    agent.allocated = subtractResources(agent.allocated, resources);
    fw.allocated.cpus = Math.max(0, fw.allocated.cpus - scalarTotal(resources, 'cpus'));
    fw.allocated.mem = Math.max(0, fw.allocated.mem - scalarTotal(resources, 'mem'));
    fw.allocated.disk = Math.max(0, fw.allocated.disk - scalarTotal(resources, 'disk'));
  }

  /** `recoverResources`: give back, and with `filters` refuse them on this agent for max(interval, refuse). */
  #recover(
    fw: FrameworkRecord,
    agent: AgentRecord,
    role: string,
    resources: Resource[],
    filters: Filters | undefined,
  ): void {
    this.#release(agent, fw, resources);
    if (filters === undefined || resources.length === 0) return;
    let refuse = filters.refuse_seconds ?? DEFAULT_REFUSE_SECONDS;
    if (!Number.isFinite(refuse) || refuse < 0) refuse = DEFAULT_REFUSE_SECONDS;
    if (refuse > MAX_REFUSE_SECONDS) refuse = MAX_REFUSE_SECONDS;
    if (refuse === 0) return;
    const timeoutMs = Math.max(this.#options.allocationIntervalMs, refuse * 1000);
    let byAgent = fw.filters.get(role);
    if (byAgent === undefined) fw.filters.set(role, (byAgent = new Map()));
    let list = byAgent.get(agent.id);
    if (list === undefined) byAgent.set(agent.id, (list = []));
    const filter = { resources, until: this.clock.now() + timeoutMs, timer: 0 };
    filter.timer = this.#timer(timeoutMs, () => {
      const current = fw.filters.get(role)?.get(agent.id);
      if (current === undefined) return;
      const i = current.indexOf(filter);
      if (i !== -1) current.splice(i, 1);
    });
    list.push(filter);
  }

  #offeredOn(agent: AgentRecord): Resource[] {
    let offered: Resource[] = [];
    for (const id of agent.offers) offered = addResources(offered, this.#offers.get(id)!.resources);
    return offered;
  }

  // ---------------------------------------------------------------- accept and launch

  #accept(fw: FrameworkRecord, command: AcceptCommand): CommandResult {
    const error = this.#validateOffers(fw, command.offer_ids);
    if (error !== undefined) {
      for (const id of command.offer_ids) {
        const offer = this.#offers.get(id.value);
        if (offer !== undefined && offer.frameworkId === fw.id) this.#removeOffer(offer, { rescind: false });
      }
      const state: TaskStateName = fw.capabilities.has('PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
      for (const op of command.operations) {
        const tasks =
          op.type === 'LAUNCH'
            ? (op.launch?.task_infos ?? [])
            : op.type === 'LAUNCH_GROUP'
              ? (op.launch_group?.task_group.tasks ?? [])
              : [];
        if (op.type !== 'LAUNCH' && op.type !== 'LAUNCH_GROUP') this.#note(`dropped ${op.type} operation: ${error}`);
        for (const t of tasks) {
          const status = this.#masterStatus(fw, t.task_id, state, {
            reason: 'REASON_INVALID_OFFERS',
            message: `Task launched with invalid offers: ${error}`,
            slaveId: t.slave_id?.value,
          });
          this.#toFramework(fw, { type: 'UPDATE', update: this.#masterUpdate(fw, status), pid: '' });
        }
      }
      return OK;
    }

    const offers = command.offer_ids.map((id) => this.#offers.get(id.value)!);
    const agent = this.#agents.get(offers[0]!.agentId)!;
    const role = offers[0]!.role;
    let remaining: Resource[] = [];
    for (const offer of offers) {
      remaining = addResources(remaining, offer.resources);
      this.#offers.delete(offer.id);
      this.clock.cancel(offer.timer);
      fw.offers.delete(offer.id);
      agent.offers.delete(offer.id);
    }

    for (const op of command.operations) {
      switch (op.type) {
        case 'LAUNCH':
          for (const task of op.launch?.task_infos ?? [])
            remaining = this.#launch(fw, agent, remaining, [task], undefined);
          break;
        case 'LAUNCH_GROUP':
          if (op.launch_group !== undefined) {
            remaining = this.#launch(fw, agent, remaining, op.launch_group.task_group.tasks, op.launch_group.executor);
          }
          break;
        case 'RESERVE':
        case 'UNRESERVE':
          remaining = this.#reserve(fw, agent, role, remaining, op.type, op);
          break;
        default:
          this.#note(`operation ${op.type} is not simulated; ignored`);
      }
    }
    this.#recover(fw, agent, role, remaining, command.filters ?? {});
    return OK;
  }

  #validateOffers(fw: FrameworkRecord, ids: IdValue[]): string | undefined {
    if (ids.length === 0) return 'No offers specified';
    const seen = new Set<string>();
    let agentId: string | undefined;
    let role: string | undefined;
    for (const { value } of ids) {
      if (seen.has(value)) return `Duplicate offer ${value} in offer list`;
      seen.add(value);
      const offer = this.#offers.get(value);
      if (offer === undefined) return `Offer ${value} is no longer valid`;
      if (offer.frameworkId !== fw.id) {
        return `Offer ${value} has invalid framework ${offer.frameworkId} while framework ${fw.id} is expected`;
      }
      if (agentId !== undefined && offer.agentId !== agentId) {
        return `Aggregated offers must belong to one single agent. Offer ${value} uses agent ${offer.agentId} and agent ${agentId}`;
      }
      if (role !== undefined && offer.role !== role) {
        return `Aggregated offers must be allocated to the same role. Offer ${value} uses role ${offer.role} and role ${role}`;
      }
      agentId = offer.agentId;
      role = offer.role;
    }
    return undefined;
  }

  /**
   * Launches one task (`groupExecutor` undefined) or a task group. Invalid tasks get TASK_ERROR from the master;
   * valid ones consume `remaining` and start their scripts. Returns what is left.
   */
  #launch(
    fw: FrameworkRecord,
    agent: AgentRecord,
    remaining: Resource[],
    tasks: TaskInfo[],
    groupExecutor: ExecutorInfo | undefined,
  ): Resource[] {
    const isGroup = groupExecutor !== undefined;
    const executorInfo = groupExecutor ?? tasks[0]?.executor;
    const executorKey = executorInfo === undefined ? undefined : `${fw.id}/${executorInfo.executor_id.value}`;
    const existing = executorKey === undefined ? undefined : agent.executors.get(executorKey);
    const executorResources = existing === undefined ? upgradeResources(executorInfo?.resources) : [];

    let error = this.#validateTasks(fw, agent, tasks, isGroup);
    let need = executorResources;
    for (const t of tasks) need = addResources(need, upgradeResources(t.resources));
    if (error === undefined && !containsResources(remaining, need)) {
      error = `Task uses more resources than available`;
    }
    if (error !== undefined) {
      for (const t of tasks) {
        const status = this.#masterStatus(fw, t.task_id, 'TASK_ERROR', {
          reason: isGroup ? 'REASON_TASK_GROUP_INVALID' : 'REASON_TASK_INVALID',
          message: error,
          slaveId: t.slave_id?.value,
        });
        this.#toFramework(fw, { type: 'UPDATE', update: this.#masterUpdate(fw, status), pid: '' });
      }
      return remaining;
    }

    let executor = existing;
    const launchExecutor = executor === undefined && executorInfo !== undefined;
    if (executor === undefined && executorInfo !== undefined) {
      executor = {
        info: { ...executorInfo, framework_id: { value: fw.id } },
        frameworkId: fw.id,
        agentId: agent.id,
        kind: isGroup ? 'default' : 'custom',
        resources: executorResources,
        taskIds: new Set(),
      };
      agent.executors.set(executorKey!, executor);
    }
    for (const info of tasks) {
      const taskResources = normalizeResources(upgradeResources(info.resources));
      const commandTask = executor === undefined;
      const executorId = commandTask ? info.task_id.value : executor!.info.executor_id.value;
      const key = commandTask ? `${fw.id}/${executorId}` : executorKey!;
      if (commandTask) {
        agent.executors.set(key, {
          info: { executor_id: { value: executorId }, framework_id: { value: fw.id }, type: 'UNKNOWN' },
          frameworkId: fw.id,
          agentId: agent.id,
          kind: 'command',
          resources: [],
          taskIds: new Set([info.task_id.value]),
        });
      } else {
        executor!.taskIds.add(info.task_id.value);
      }
      const task: Task = {
        name: info.name,
        task_id: { value: info.task_id.value },
        framework_id: { value: fw.id },
        slave_id: { value: agent.id },
        state: 'TASK_STAGING',
        resources: taskResources,
        statuses: [],
      };
      if (!commandTask) task.executor_id = { value: executorId };
      if (info.labels !== undefined) task.labels = info.labels;
      if (info.kill_policy !== undefined) task.kill_policy = info.kill_policy;
      if (fw.info.user !== undefined) task.user = fw.info.user;
      const record: TaskRecord = {
        task,
        info,
        frameworkId: fw.id,
        agentId: agent.id,
        executorId,
        executorKey: key,
        agentState: 'TASK_STAGING',
        script: toScript(this.#behaviorFor(info, fw.id), this.#timings),
        nextStep: 0,
        stepTimer: undefined,
        killing: false,
        pending: [],
        headForwarded: false,
        retryTimer: undefined,
        retryIntervalMs: this.#options.statusUpdateRetryMinMs,
        resources: taskResources,
        resourcesRecovered: false,
        group: isGroup ? executorKey : undefined,
      };
      fw.tasks.set(info.task_id.value, record);
      this.#operator({ type: 'TASK_ADDED', task: { ...task, statuses: [] } });
    }
    remaining = subtractResources(remaining, need);

    if (isGroup) {
      this.#toAgent(agent, {
        type: 'RUN_TASK_GROUP',
        framework: fw.info,
        executor: executor!.info,
        task_group: { tasks },
        launch_executor: launchExecutor,
      });
    } else {
      this.#toAgent(agent, {
        type: 'RUN_TASK',
        framework: fw.info,
        task: tasks[0]!,
        pid: fw.connection.kind === 'pid' ? fw.connection.pid : '',
        launch_executor: launchExecutor || executor === undefined,
      });
    }
    for (const info of tasks) this.#scheduleStep(fw.tasks.get(info.task_id.value)!);
    return remaining;
  }

  #validateTasks(fw: FrameworkRecord, agent: AgentRecord, tasks: TaskInfo[], isGroup: boolean): string | undefined {
    if (tasks.length === 0) return 'Task group is empty';
    const ids = new Set<string>();
    for (const t of tasks) {
      const id = t.task_id?.value ?? '';
      if (id === '') return 'Task ID must not be empty';
      if (fw.tasks.has(id) || ids.has(id)) return `Task has duplicate ID: ${id}`;
      ids.add(id);
      if (t.slave_id?.value !== agent.id) {
        return `Task uses invalid agent: ${t.slave_id?.value ?? ''}`;
      }
      if (isGroup && t.executor !== undefined) return `'TaskInfo.executor' must not be set for task ${id}`;
      if (!isGroup && (t.executor === undefined) === (t.command === undefined)) {
        return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
      }
      if (upgradeResources(t.resources).length === 0 && !isGroup) return 'Task uses no resources';
    }
    return undefined;
  }

  #behaviorFor(info: TaskInfo, frameworkId: string): TaskBehavior {
    return (
      this.#behaviorHook?.(info, frameworkId) ?? matchRule(this.#rules, info, frameworkId) ?? this.#defaultBehavior
    );
  }

  /**
   * RESERVE / UNRESERVE on the offered resources: the agent's totals change (dynamic reservations), and the
   * converted resources stay in what is left of the offer. Invalid requests are dropped with a note.
   */
  #reserve(
    fw: FrameworkRecord,
    agent: AgentRecord,
    role: string,
    remaining: Resource[],
    type: 'RESERVE' | 'UNRESERVE',
    op: AcceptCommand['operations'][number],
  ): Resource[] {
    const target = normalizeResources(
      upgradeResources(type === 'RESERVE' ? op.reserve?.resources : op.unreserve?.resources),
    );
    const source = target.map((r) => {
      const out: Resource = { ...r };
      const stack = type === 'RESERVE' ? (r.reservations ?? []).slice(0, -1) : (r.reservations ?? []).slice(0, -1);
      if (stack.length > 0) out.reservations = stack;
      else delete out.reservations;
      return out;
    });
    const [from, to] = type === 'RESERVE' ? [source, target] : [target, source];
    const valid =
      target.length > 0 &&
      target.every((r) => (r.reservations ?? []).length > 0 && reservationRole(r) === role) &&
      containsResources(remaining, from);
    if (!valid) {
      this.#note(`dropped ${type} operation of framework ${fw.id}: resources not in the offer or wrong role`);
      return remaining;
    }
    agent.total = addResources(subtractResources(agent.total, from), to);
    agent.allocated = addResources(subtractResources(agent.allocated, from), to);
    return addResources(subtractResources(remaining, from), to);
  }

  // ---------------------------------------------------------------- task lifecycle (agent side)

  #scheduleStep(task: TaskRecord): void {
    const step = task.script.steps[task.nextStep];
    if (step === undefined || task.killing) return;
    task.stepTimer = this.#timer(step.after_ms, () => {
      task.stepTimer = undefined;
      task.nextStep++;
      this.#report(task, step);
      this.#scheduleStep(task);
    });
  }

  /** The task's executor (or agent) reports a state: a new update enters the agent's stream for the task. */
  #report(task: TaskRecord, step: TaskStep): void {
    if (isTerminalState(task.agentState)) return;
    const fw = this.#frameworks.get(task.frameworkId);
    if (fw === undefined) return;
    task.agentState = step.state;
    const uuid = this.#random.uuidBytes();
    const now = this.clock.now() / 1000;
    const status: TaskStatus = {
      task_id: { value: task.info.task_id.value },
      state: step.state,
      source: step.source ?? 'SOURCE_EXECUTOR',
      slave_id: { value: task.agentId },
      executor_id: { value: task.executorId },
      timestamp: now,
      uuid,
    };
    if (step.message !== undefined) status.message = step.message;
    if (step.reason !== undefined) status.reason = step.reason;
    if (step.data !== undefined) status.data = step.data;
    task.pending.push({
      framework_id: { value: task.frameworkId },
      executor_id: { value: task.executorId },
      slave_id: { value: task.agentId },
      status,
      timestamp: now,
      uuid,
    });
    if (task.pending.length === 1) this.#forward(task);

    if (isTerminalState(step.state)) {
      this.clock.cancel(task.stepTimer);
      task.stepTimer = undefined;
      this.#taskEndedOnAgent(task);
      // The default executor kills the rest of a task group when one of its tasks fails.
      if (task.group !== undefined && step.state === 'TASK_FAILED') this.#killGroup(fw, task);
    }
  }

  /** Bookkeeping when a task ends on its executor; `notify` false when the whole agent or framework goes. */
  #taskEndedOnAgent(task: TaskRecord, notify = true): void {
    const agent = this.#agents.get(task.agentId);
    const executor = agent?.executors.get(task.executorKey);
    if (agent === undefined || executor === undefined) return;
    executor.taskIds.delete(task.info.task_id.value);
    if (executor.kind === 'custom' || executor.taskIds.size > 0) return;
    agent.executors.delete(task.executorKey);
    const fw = this.#frameworks.get(executor.frameworkId);
    if (fw === undefined) return;
    this.#release(agent, fw, executor.resources);
    // Command executors are the agent's own: it reports no exit for them (`isGeneratedForCommandTask`).
    if (executor.kind === 'default' && notify) {
      this.#toFramework(fw, {
        type: 'FAILURE',
        slave_id: { value: agent.id },
        executor_id: { value: executor.info.executor_id.value },
        status: 0,
      });
    }
  }

  /**
   * The agent forwards the head of the task's stream (with `latest_state`) and the master processes it: the
   * task's state becomes the latest state, resources return on a terminal one, and the update goes to the
   * framework if it is connected. Retried with backoff until acknowledged.
   */
  #forward(task: TaskRecord): void {
    const head = task.pending[0];
    const fw = this.#frameworks.get(task.frameworkId);
    const agent = this.#agents.get(task.agentId);
    if (head === undefined || fw === undefined || agent === undefined) return;
    const update: StatusUpdate = { ...head, latest_state: task.agentState };
    const previous = task.task.state;
    task.task.state = task.agentState;
    task.task.status_update_state = head.status.state;
    task.task.status_update_uuid = head.uuid!;
    if (!task.headForwarded) {
      task.headForwarded = true;
      const { data: _data, ...kept } = head.status;
      task.task.statuses.push(kept);
    }
    if (previous !== task.task.state) {
      this.#operator({
        type: 'TASK_UPDATED',
        framework_id: { value: fw.id },
        status: head.status,
        state: task.task.state,
      });
    }
    if (isTerminalState(task.task.state) && !task.resourcesRecovered) {
      task.resourcesRecovered = true;
      this.#release(agent, fw, task.resources);
      this.#allocateSoon();
    }
    this.#toFramework(fw, { type: 'UPDATE', update, pid: agent.pid });
    this.clock.cancel(task.retryTimer);
    task.retryTimer = this.#timer(task.retryIntervalMs, () => {
      task.retryTimer = undefined;
      task.retryIntervalMs = Math.min(task.retryIntervalMs * 2, this.#options.statusUpdateRetryMaxMs);
      this.#forward(task);
    });
  }

  #acknowledge(fw: FrameworkRecord, agentId: string, taskId: string, uuid: Uint8Array): void {
    const agent = this.#agents.get(agentId);
    if (agent === undefined) {
      this.#note(`acknowledgement for task ${taskId} on unknown agent ${agentId} dropped`);
      return;
    }
    const task = fw.tasks.get(taskId);
    this.#toAgent(agent, {
      type: 'STATUS_UPDATE_ACKNOWLEDGEMENT',
      slave_id: { value: agentId },
      framework_id: { value: fw.id },
      task_id: { value: taskId },
      uuid,
    });
    if (task === undefined || task.agentId !== agentId) return;
    const head = task.pending[0];
    if (head === undefined || !uuidEquals(head.uuid, uuid)) {
      this.#note(`duplicate or unexpected acknowledgement for task ${taskId} ignored`);
      return;
    }
    task.pending.shift();
    task.headForwarded = false;
    this.clock.cancel(task.retryTimer);
    task.retryTimer = undefined;
    task.retryIntervalMs = this.#options.statusUpdateRetryMinMs;
    if (isTerminalState(head.status.state) && task.pending.length === 0) {
      // The master forgets a task once its terminal update is acknowledged.
      this.#releaseTask(task);
      return;
    }
    if (task.pending.length > 0) this.#forward(task);
  }

  /** Moves a task to the completed list and returns its resources if that did not happen yet. */
  #releaseTask(task: TaskRecord, notify = true): void {
    const fw = this.#frameworks.get(task.frameworkId);
    const agent = this.#agents.get(task.agentId);
    if (fw === undefined) return;
    fw.tasks.delete(task.info.task_id.value);
    fw.completedTasks.push(task.task);
    if (fw.completedTasks.length > MAX_COMPLETED_TASKS_PER_FRAMEWORK) fw.completedTasks.shift();
    if (!task.resourcesRecovered && agent !== undefined) {
      task.resourcesRecovered = true;
      this.#release(agent, fw, task.resources);
    }
    const executor = agent?.executors.get(task.executorKey);
    if (executor?.taskIds.has(task.info.task_id.value)) this.#taskEndedOnAgent(task, notify);
  }

  #kill(fw: FrameworkRecord, command: KillCommand): void {
    const task = fw.tasks.get(command.task_id.value);
    if (task === undefined) {
      // Unknown task: the master answers with a reconciliation of it.
      this.#reconcile(fw, {
        type: 'RECONCILE',
        framework_id: command.framework_id,
        tasks: [
          { task_id: command.task_id, ...(command.slave_id === undefined ? {} : { slave_id: command.slave_id }) },
        ],
      });
      return;
    }
    if (command.slave_id !== undefined && command.slave_id.value !== task.agentId) return;
    const agent = this.#agents.get(task.agentId);
    if (agent === undefined) return;
    const message: AgentMessage = { type: 'KILL_TASK', framework_id: { value: fw.id }, task_id: command.task_id };
    if (command.kill_policy !== undefined) message.kill_policy = command.kill_policy;
    this.#toAgent(agent, message);
    this.#killOnAgent(fw, task);
    if (task.group !== undefined) this.#killGroup(fw, task);
  }

  /** The default executor kills every task of a group once one is killed or fails. */
  #killGroup(fw: FrameworkRecord, task: TaskRecord): void {
    for (const other of fw.tasks.values()) {
      if (other !== task && other.group === task.group) this.#killOnAgent(fw, other);
    }
  }

  #killOnAgent(fw: FrameworkRecord, task: TaskRecord): void {
    if (isTerminalState(task.agentState) || task.killing) return;
    this.clock.cancel(task.stepTimer);
    task.stepTimer = undefined;
    if (task.agentState === 'TASK_STAGING') {
      this.#report(task, {
        state: 'TASK_KILLED',
        after_ms: 0,
        source: 'SOURCE_SLAVE',
        reason: 'REASON_TASK_KILLED_DURING_LAUNCH',
        message: 'Killed before delivery to the executor',
      });
      return;
    }
    task.killing = true;
    if (fw.capabilities.has('TASK_KILLING_STATE')) {
      this.#report(task, { state: 'TASK_KILLING', after_ms: 0, source: 'SOURCE_EXECUTOR' });
    }
    task.stepTimer = this.#timer(task.script.kill_ms ?? 0, () => {
      task.stepTimer = undefined;
      this.#report(task, {
        state: 'TASK_KILLED',
        after_ms: 0,
        source: 'SOURCE_EXECUTOR',
        message: 'Command terminated with signal Terminated',
      });
    });
  }

  #shutdownExecutor(fw: FrameworkRecord, agentId: string, executorId: string): void {
    const agent = this.#agents.get(agentId);
    const executor = agent?.executors.get(`${fw.id}/${executorId}`);
    if (agent === undefined || executor === undefined) return;
    this.#toAgent(agent, {
      type: 'SHUTDOWN_EXECUTOR',
      framework_id: { value: fw.id },
      executor_id: { value: executorId },
    });
    for (const taskId of [...executor.taskIds]) {
      const task = fw.tasks.get(taskId);
      if (task === undefined || isTerminalState(task.agentState)) continue;
      this.clock.cancel(task.stepTimer);
      task.stepTimer = undefined;
      this.#report(task, {
        state: 'TASK_KILLED',
        after_ms: 0,
        source: 'SOURCE_SLAVE',
        reason: 'REASON_EXECUTOR_TERMINATED',
        message: 'Executor shut down',
      });
    }
    if (executor.kind === 'custom' && agent.executors.has(`${fw.id}/${executorId}`)) {
      agent.executors.delete(`${fw.id}/${executorId}`);
      this.#release(agent, fw, executor.resources);
      this.#toFramework(fw, {
        type: 'FAILURE',
        slave_id: { value: agentId },
        executor_id: { value: executorId },
        status: 0,
      });
    }
  }

  // ---------------------------------------------------------------- reconciliation and master-generated updates

  /**
   * `Master::reconcile`: implicit (no tasks) answers every known task with its status update state; explicit
   * answers each listed task: known -> latest state; unknown on a registered agent -> TASK_GONE; on an unreachable
   * agent -> TASK_UNREACHABLE; on a gone agent -> TASK_GONE_BY_OPERATOR; otherwise TASK_UNKNOWN; all of these are
   * TASK_LOST for frameworks without PARTITION_AWARE. Answers carry no uuid (nothing to acknowledge).
   */
  #reconcile(fw: FrameworkRecord, command: ReconcileCommand): void {
    const latest = (task: TaskRecord): TaskStatus =>
      this.#masterStatus(fw, task.info.task_id, task.task.status_update_state ?? task.task.state, {
        reason: 'REASON_RECONCILIATION',
        message: 'Reconciliation: Latest task state',
        slaveId: task.agentId,
        executorId: task.task.executor_id?.value,
      });
    const send = (status: TaskStatus): void =>
      this.#toFramework(fw, { type: 'UPDATE', update: this.#masterUpdate(fw, status), pid: '' });
    if (command.tasks.length === 0) {
      for (const task of fw.tasks.values()) send(latest(task));
      return;
    }
    const aware = fw.capabilities.has('PARTITION_AWARE');
    for (const { task_id, slave_id } of command.tasks) {
      const task = fw.tasks.get(task_id.value);
      if (task !== undefined) {
        send(latest(task));
        continue;
      }
      const agentId = slave_id?.value;
      let state: TaskStateName;
      let message: string;
      const removed = agentId === undefined ? undefined : this.#removedAgents.get(agentId);
      if (agentId !== undefined && this.#agents.has(agentId)) {
        state = aware ? 'TASK_GONE' : 'TASK_LOST';
        message = 'Reconciliation: Task is unknown to the agent';
      } else if (removed?.how === 'unreachable') {
        state = aware ? 'TASK_UNREACHABLE' : 'TASK_LOST';
        message = 'Reconciliation: Task is unreachable';
      } else if (removed?.how === 'gone') {
        state = aware ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST';
        message = 'Reconciliation: Task is gone';
      } else {
        state = aware ? 'TASK_UNKNOWN' : 'TASK_LOST';
        message = 'Reconciliation: Task is unknown';
      }
      const status = this.#masterStatus(fw, task_id, state, {
        reason: 'REASON_RECONCILIATION',
        message,
        slaveId: agentId,
      });
      if (removed?.how === 'unreachable') status.unreachable_time = { nanoseconds: Math.round(removed.time * 1e6) };
      send(status);
    }
  }

  /** A status generated by the master (`protobuf::createStatusUpdate` with SOURCE_MASTER and no uuid). */
  #masterStatus(
    _fw: FrameworkRecord,
    taskId: IdValue,
    state: TaskStateName,
    details: { reason: StatusReason; message: string; slaveId?: string | undefined; executorId?: string | undefined },
  ): TaskStatus {
    const status: TaskStatus = {
      task_id: { value: taskId.value },
      state,
      message: details.message,
      source: 'SOURCE_MASTER',
      reason: details.reason,
      timestamp: this.clock.now() / 1000,
    };
    if (details.slaveId !== undefined) status.slave_id = { value: details.slaveId };
    if (details.executorId !== undefined) status.executor_id = { value: details.executorId };
    return status;
  }

  #masterUpdate(fw: FrameworkRecord, status: TaskStatus): StatusUpdate {
    const update: StatusUpdate = { framework_id: { value: fw.id }, status, timestamp: status.timestamp ?? 0 };
    if (status.slave_id !== undefined) update.slave_id = status.slave_id;
    if (status.executor_id !== undefined) update.executor_id = status.executor_id;
    return update;
  }

  // ---------------------------------------------------------------- views

  #frameworkView(fw: FrameworkRecord): ReturnType<typeof frameworkView> {
    const offers: ReturnType<typeof offerMessage>[] = [];
    let offered: Resource[] = [];
    for (const id of fw.offers) {
      const offer = this.#offers.get(id)!;
      const agent = this.#agents.get(offer.agentId);
      if (agent === undefined) continue;
      offers.push(offerMessage(fw, agent, offer));
      offered = addResources(offered, offer.resources);
    }
    let used: Resource[] = [];
    for (const task of fw.tasks.values()) if (!task.resourcesRecovered) used = addResources(used, task.resources);
    for (const agent of this.#agents.values()) {
      for (const e of agent.executors.values()) if (e.frameworkId === fw.id) used = addResources(used, e.resources);
    }
    return frameworkView(fw, offers, used, offered);
  }

  #frameworkSnapshot(fw: FrameworkRecord): FrameworkSnapshot {
    const executors: FrameworkSnapshot['executors'] = [];
    for (const agent of this.#agents.values()) {
      for (const e of agent.executors.values()) {
        if (e.frameworkId === fw.id && e.kind !== 'command')
          executors.push({ ...e.info, slave_id: { value: agent.id } });
      }
    }
    return {
      ...this.#frameworkView(fw),
      id: fw.id,
      connection: fw.connection,
      roles: [...fw.roles],
      suppressed_roles: [...fw.suppressedRoles],
      tasks: [...fw.tasks.values()].map((t) => t.task),
      completed_tasks: [...fw.completedTasks],
      executors,
    };
  }
}

const OK: CommandResult = { ok: true };
