/**
 * The mock master's simulation core: a Mesos master with virtual agents, driven by commands and a virtual clock,
 * producing addressed outputs. It knows no protocol: front ends turn messages into `Command`s and `Output`s into
 * messages. Behaviour follows src/master/master.cpp, the hierarchical allocator and the agent's status update
 * manager (HEAD c1b42f79d) where a framework can observe it; README.md in this folder lists the simplifications.
 *
 * This file is the public surface; the behaviour lives in frameworks.ts, allocator.ts, launch.ts, tasks.ts,
 * reconcile.ts and agents.ts, all working on the shared `MasterState` (context.ts).
 */
import { mwError } from '../../errors.ts';
import type { AgentResourceDefaults } from './agent-resources.ts';
import { type AgentSpec, addAgent, removeAgent } from './agents.ts';
import { offeredOn, removeOffer, scheduleAllocationCycle } from './allocator.ts';
import { VirtualClock } from './clock.ts';
import type { Command, CommandResult, FrameworkConnection } from './commands.ts';
import {
  DEFAULT_ALLOCATION_INTERVAL_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  OK,
  STATUS_UPDATE_RETRY_MAX_MS,
  STATUS_UPDATE_RETRY_MIN_MS,
} from './constants.ts';
import { MasterState } from './context.ts';
import {
  callingFramework,
  deactivate,
  disconnected,
  removeFramework,
  revive,
  subscribe,
  suppress,
} from './frameworks.ts';
import { formatUuid, masterInfoIp, SeededRandom } from './ids.ts';
import { accept } from './launch.ts';
import { type LogEntry, SimulationLog } from './log.ts';
import type { OperatorEvent, Output } from './outputs.ts';
import { reconcile } from './reconcile.ts';
import { frameworkSnapshotOf } from './snapshot.ts';
import { DEFAULT_TASK_TIMINGS, type TaskBehavior, type TaskRule, type TaskTimings } from './task-scripts.ts';
import { acknowledge, kill, report, shutdownExecutor } from './tasks.ts';
import {
  isTerminalState,
  type MasterInfo,
  type StatusReason,
  type StatusSource,
  type TaskInfo,
  type TaskStateName,
} from './types.ts';
import { agentView, type MasterSnapshot } from './views.ts';

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
  /** `--allocation_interval` (default 1000 ms). */
  allocationIntervalMs?: number;
  /** `--offer_timeout` (default none). */
  offerTimeoutMs?: number;
  /** v1 scheduler heartbeats (default 15,000 ms). */
  heartbeatIntervalMs?: number;
  /** Agent status update retry backoff (default 10 s doubling to 10 min). */
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

/** See the file comment. */
export class MasterSimulation {
  /** The clock everything runs on. */
  readonly clock: VirtualClock;
  /** `MasterInfo` as sent in registrations. */
  readonly masterInfo: MasterInfo;
  /** The decoded log. */
  readonly log: SimulationLog;
  /** Virtual time at construction (ms). */
  readonly startTime: number;
  readonly #s: MasterState;

  constructor(options: MasterSimulationOptions = {}) {
    const clock = options.clock ?? new VirtualClock(options.startTimeMs ?? 1_600_000_000_000);
    const random = new SeededRandom(options.seed ?? 1);
    const allocationIntervalMs = options.allocationIntervalMs ?? DEFAULT_ALLOCATION_INTERVAL_MS;
    if (!(allocationIntervalMs > 0)) {
      throw mwError('MW_INVALID_ARGUMENT', 'allocationIntervalMs must be a positive number of milliseconds');
    }
    const ip = options.ip ?? '127.0.0.1';
    const port = options.port ?? 5050;
    const hostname = options.hostname ?? ip;
    const masterInfo: MasterInfo = {
      id: options.masterId ?? formatUuid(random.uuidBytes()),
      ip: masterInfoIp(ip),
      port,
      pid: `master@${ip}:${port}`,
      hostname,
      version: options.version ?? '1.11.0',
      address: { hostname, ip, port },
      capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
    };
    this.#s = new MasterState({
      clock,
      random,
      log: new SimulationLog(options.maxLogEntries),
      masterInfo,
      timings: {
        allocationIntervalMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
        statusUpdateRetryMinMs: options.statusUpdateRetryMinMs ?? STATUS_UPDATE_RETRY_MIN_MS,
        statusUpdateRetryMaxMs: options.statusUpdateRetryMaxMs ?? STATUS_UPDATE_RETRY_MAX_MS,
        offerTimeoutMs: options.offerTimeoutMs,
      },
      taskTimings: { ...DEFAULT_TASK_TIMINGS, ...options.taskTimings },
      agentDefaults: options.agentDefaults ?? {},
      defaultAgentResources: options.resources ?? '',
      defaultBehavior: options.defaultTaskBehavior ?? 'finish',
      rules: [...(options.taskRules ?? [])],
      behaviorHook: options.taskBehavior,
    });
    this.clock = clock;
    this.masterInfo = masterInfo;
    this.log = this.#s.log;
    this.startTime = clock.now();

    const agents = options.agents ?? 1;
    const specs = typeof agents === 'number' ? Array.from({ length: agents }, (): AgentSpec => ({})) : agents;
    for (const spec of specs) addAgent(this.#s, spec);
    scheduleAllocationCycle(this.#s);
    this.#s.flush();
  }

  /** Listens to every output; returns the unsubscribe function. Listeners may call back into the simulation. */
  onOutput(listener: (output: Output) => void): () => void {
    this.#s.outputListeners.add(listener);
    return () => this.#s.outputListeners.delete(listener);
  }

  /** Listens to operator API events (TASK_ADDED, TASK_UPDATED, AGENT_ADDED, FRAMEWORK_ADDED, ...). */
  onOperatorEvent(listener: (event: OperatorEvent) => void): () => void {
    this.#s.operatorListeners.add(listener);
    return () => this.#s.operatorListeners.delete(listener);
  }

  /** Advances the virtual clock (shorthand for `clock.advance`). */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** Applies one command; outputs it causes are delivered before this returns. */
  execute(command: Command): CommandResult {
    const s = this.#s;
    const entry: LogEntry = { kind: 'command', seq: s.seq++, time: s.now(), command, result: OK };
    s.log.append(entry);
    entry.result = this.#dispatch(command);
    s.flush();
    return entry.result;
  }

  /** Adds a virtual agent now; returns its id. */
  addAgent(spec: AgentSpec = {}): string {
    const id = addAgent(this.#s, spec);
    this.#s.flush();
    return id;
  }

  /**
   * Removes an agent as the master does when it becomes unreachable or is marked gone: offers on it are rescinded,
   * its tasks are reported lost (TASK_UNREACHABLE / TASK_GONE_BY_OPERATOR to PARTITION_AWARE frameworks) and every
   * framework learns the agent is lost. Returns false for an unknown agent.
   */
  removeAgent(agentId: string, how: 'unreachable' | 'gone' = 'unreachable'): boolean {
    const agent = this.#s.agents.get(agentId);
    if (agent === undefined) return false;
    removeAgent(this.#s, agent, how);
    this.#s.flush();
    return true;
  }

  /** An executor sends data to its framework (ExecutorToFrameworkMessage / MESSAGE). False if there is no such executor. */
  sendExecutorMessage(frameworkId: string, agentId: string, executorId: string, data: Uint8Array): boolean {
    const s = this.#s;
    const agent = s.agents.get(agentId);
    const fw = s.frameworks.get(frameworkId);
    if (agent === undefined || fw === undefined || !agent.executors.has(`${frameworkId}/${executorId}`)) return false;
    s.toFramework(fw, {
      type: 'MESSAGE',
      slave_id: { value: agentId },
      executor_id: { value: executorId },
      data,
      agent_pid: agent.pid,
    });
    s.flush();
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
    const task = this.#s.frameworks.get(frameworkId)?.tasks.get(taskId);
    if (task === undefined || isTerminalState(task.agentState)) return false;
    report(this.#s, task, { state, after_ms: 0, source: details.source ?? 'SOURCE_EXECUTOR', ...details });
    this.#s.flush();
    return true;
  }

  /** Replaces the task rules (for tasks launched from now on), and optionally the default behaviour. */
  setTaskRules(rules: TaskRule[], defaultBehavior?: TaskBehavior): void {
    this.#s.rules = [...rules];
    if (defaultBehavior !== undefined) this.#s.defaultBehavior = defaultBehavior;
  }

  /** Sets the behaviour hook (consulted before the rules). */
  setTaskBehaviorHook(hook: ((task: TaskInfo, frameworkId: string) => TaskBehavior | undefined) | undefined): void {
    this.#s.behaviorHook = hook;
  }

  /** Where and whether a framework is connected (for front ends routing calls), or undefined if unknown. */
  frameworkConnection(
    frameworkId: string,
  ): { connection: FrameworkConnection; connected: boolean; active: boolean } | undefined {
    const fw = this.#s.frameworks.get(frameworkId);
    return fw === undefined ? undefined : { connection: fw.connection, connected: fw.connected, active: fw.active };
  }

  /** Ids of the current agents with their UPIDs. */
  agentPids(): { id: string; pid: string }[] {
    return [...this.#s.agents.values()].map((a) => ({ id: a.id, pid: a.pid }));
  }

  /** Stops periodic work (allocation, heartbeats, task scripts, retries): cancels every timer of this master. */
  stop(): void {
    const s = this.#s;
    s.stopped = true;
    s.clock.cancel(s.allocationTimer);
    s.clock.cancel(s.allocationSoon);
    for (const fw of s.frameworks.values()) {
      s.clock.cancel(fw.failoverTimer);
      s.clock.cancel(fw.heartbeatTimer);
      for (const byAgent of fw.filters.values()) {
        for (const list of byAgent.values()) for (const f of list) s.clock.cancel(f.timer);
      }
      for (const task of fw.tasks.values()) {
        s.clock.cancel(task.stepTimer);
        s.clock.cancel(task.retryTimer);
      }
    }
    for (const offer of s.offers.values()) s.clock.cancel(offer.timer);
  }

  /** Everything a state endpoint shows, as plain data. */
  snapshot(): MasterSnapshot {
    const s = this.#s;
    const frameworks = [...s.frameworks.values()].map((fw) => frameworkSnapshotOf(s, fw));
    const agents = [...s.agents.values()].map((agent) => ({
      ...agentView(agent, offeredOn(s, agent)),
      id: agent.id,
      hostname: agent.hostname,
      attributes: agent.attributes,
    }));
    return {
      master_info: this.masterInfo,
      start_time: this.startTime,
      now: s.now(),
      frameworks,
      completed_frameworks: [...s.completedFrameworks],
      agents,
      removed_agents: [...s.removedAgents.values()],
      offers: frameworks.flatMap((f) => f.offers),
      tasks: frameworks.flatMap((f) => f.tasks),
      completed_tasks: [...frameworks, ...s.completedFrameworks].flatMap((f) => f.completed_tasks),
    };
  }

  #dispatch(command: Command): CommandResult {
    const s = this.#s;
    switch (command.type) {
      case 'SUBSCRIBE':
        return subscribe(s, command);
      case 'DISCONNECTED':
        return disconnected(s, command.connection);
      default:
        break;
    }
    const fw = callingFramework(s, command.framework_id, command.from);
    if (!('id' in fw)) return fw;
    switch (command.type) {
      case 'TEARDOWN':
        removeFramework(s, fw);
        return OK;
      case 'DEACTIVATE':
        if (fw.active) deactivate(s, fw, true);
        return OK;
      case 'ACCEPT':
        return accept(s, fw, command);
      case 'LAUNCH_TASKS':
        return accept(s, fw, {
          type: 'ACCEPT',
          framework_id: command.framework_id,
          offer_ids: command.offer_ids,
          operations: [{ type: 'LAUNCH', launch: { task_infos: command.tasks } }],
          ...(command.filters === undefined ? {} : { filters: command.filters }),
        });
      case 'DECLINE':
        for (const id of command.offer_ids) {
          const offer = s.offers.get(id.value);
          if (offer !== undefined && offer.frameworkId === fw.id) {
            removeOffer(s, offer, { rescind: false, filters: command.filters ?? {} });
          }
        }
        return OK;
      case 'REVIVE':
        return revive(s, fw, command.roles ?? []);
      case 'SUPPRESS':
        return suppress(fw, command.roles ?? []);
      case 'KILL':
        kill(s, fw, command);
        return OK;
      case 'ACKNOWLEDGE':
        acknowledge(s, fw, command.slave_id.value, command.task_id.value, command.uuid);
        return OK;
      case 'RECONCILE':
        reconcile(s, fw, command);
        return OK;
      case 'MESSAGE': {
        const agent = s.agents.get(command.slave_id.value);
        if (agent !== undefined) {
          s.toAgent(agent, {
            type: 'FRAMEWORK_TO_EXECUTOR',
            slave_id: command.slave_id,
            framework_id: { value: fw.id },
            executor_id: command.executor_id,
            data: command.data,
          });
        }
        return OK;
      }
      case 'REQUEST':
        s.note(`framework ${fw.id} requested resources; the allocator ignores requests`);
        return OK;
      case 'SHUTDOWN':
        shutdownExecutor(s, fw, command.slave_id.value, command.executor_id.value);
        return OK;
    }
  }
}

export type { AgentSpec };
