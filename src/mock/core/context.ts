/**
 * The shared state of one simulated master and the plumbing every behaviour module uses: the record maps,
 * id counters, the outbox (outputs are queued while a command or timer runs and delivered in order afterwards,
 * so listeners may call back in), the decoded log, and timers bound to the master's lifetime.
 */
import type { AgentResourceDefaults } from './agent-resources.ts';
import type { TimerId, VirtualClock } from './clock.ts';
import type { FrameworkConnection } from './commands.ts';
import type { SeededRandom } from './ids.ts';
import type { SimulationLog } from './log.ts';
import type { AgentMessage, OperatorEvent, Output, SchedulerEvent } from './outputs.ts';
import type { AgentRecord, FrameworkRecord, OfferRecord } from './state.ts';
import type { TaskBehavior, TaskRule, TaskTimings } from './task-scripts.ts';
import type { MasterInfo, TaskInfo } from './types.ts';
import type { FrameworkSnapshot, RemovedAgent } from './views.ts';

/** Timing settings, all in virtual ms. */
export interface MasterTimings {
  allocationIntervalMs: number;
  heartbeatIntervalMs: number;
  statusUpdateRetryMinMs: number;
  statusUpdateRetryMaxMs: number;
  offerTimeoutMs: number | undefined;
}

type Queued = { kind: 'output'; output: Output } | { kind: 'operator'; event: OperatorEvent };

/** See the file comment. */
export class MasterState {
  readonly clock: VirtualClock;
  readonly random: SeededRandom;
  readonly log: SimulationLog;
  readonly masterInfo: MasterInfo;
  readonly timings: MasterTimings;
  readonly taskTimings: TaskTimings;
  readonly agentDefaults: AgentResourceDefaults;
  readonly defaultAgentResources: string;
  defaultBehavior: TaskBehavior;
  rules: TaskRule[];
  behaviorHook: ((task: TaskInfo, frameworkId: string) => TaskBehavior | undefined) | undefined;

  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: FrameworkSnapshot[] = [];
  readonly removedFrameworkIds = new Set<string>();
  readonly agents = new Map<string, AgentRecord>();
  readonly removedAgents = new Map<string, RemovedAgent>();
  readonly offers = new Map<string, OfferRecord>();

  nextFrameworkId = 0;
  nextOfferId = 0;
  nextAgentId = 0;
  agentOrdinal = 0;
  frameworkOrdinal = 0;
  seq = 0;
  allocationTimer: TimerId | undefined;
  allocationSoon: TimerId | undefined;
  stopped = false;

  readonly outputListeners = new Set<(output: Output) => void>();
  readonly operatorListeners = new Set<(event: OperatorEvent) => void>();
  readonly #outbox: Queued[] = [];
  #flushing = false;

  constructor(init: {
    clock: VirtualClock;
    random: SeededRandom;
    log: SimulationLog;
    masterInfo: MasterInfo;
    timings: MasterTimings;
    taskTimings: TaskTimings;
    agentDefaults: AgentResourceDefaults;
    defaultAgentResources: string;
    defaultBehavior: TaskBehavior;
    rules: TaskRule[];
    behaviorHook: ((task: TaskInfo, frameworkId: string) => TaskBehavior | undefined) | undefined;
  }) {
    this.clock = init.clock;
    this.random = init.random;
    this.log = init.log;
    this.masterInfo = init.masterInfo;
    this.timings = init.timings;
    this.taskTimings = init.taskTimings;
    this.agentDefaults = init.agentDefaults;
    this.defaultAgentResources = init.defaultAgentResources;
    this.defaultBehavior = init.defaultBehavior;
    this.rules = init.rules;
    this.behaviorHook = init.behaviorHook;
  }

  /** Virtual now, in ms. */
  now(): number {
    return this.clock.now();
  }

  /** An output to a connection (whether or not a framework is connected there). */
  toConnection(to: FrameworkConnection, frameworkId: string | undefined, event: SchedulerEvent): void {
    this.#output({ target: 'framework', seq: this.seq++, time: this.now(), framework_id: frameworkId, to, event });
  }

  /** An output to a framework, dropped when it is not connected (the master drops what it cannot send). */
  toFramework(fw: FrameworkRecord, event: SchedulerEvent): void {
    if (fw.connected) this.toConnection(fw.connection, fw.id, event);
  }

  /** A message to a virtual agent. */
  toAgent(agent: AgentRecord, message: AgentMessage): void {
    this.#output({
      target: 'agent',
      seq: this.seq++,
      time: this.now(),
      agent_id: agent.id,
      agent_pid: agent.pid,
      message,
    });
  }

  /** An operator API event. */
  operator(event: OperatorEvent): void {
    this.log.append({ kind: 'operator', seq: this.seq++, time: this.now(), event });
    this.#outbox.push({ kind: 'operator', event });
  }

  /** A free-text log line (dropped calls, ignored operations). */
  note(text: string): void {
    this.log.append({ kind: 'note', seq: this.seq++, time: this.now(), text });
  }

  /** A timer that does nothing once the master is stopped, and delivers its outputs when it fires. */
  timer(delayMs: number, fn: () => void): TimerId {
    return this.clock.setTimer(delayMs, () => {
      if (this.stopped) return;
      fn();
      this.flush();
    });
  }

  /** Delivers queued outputs in order; re-entrant calls from listeners queue more, delivered by the outer loop. */
  flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    let delivered = 0;
    try {
      while (delivered < this.#outbox.length) {
        const item = this.#outbox[delivered++]!;
        if (item.kind === 'output') for (const l of [...this.outputListeners]) l(item.output);
        else for (const l of [...this.operatorListeners]) l(item.event);
      }
    } finally {
      this.#outbox.splice(0, delivered);
      this.#flushing = false;
    }
  }

  #output(output: Output): void {
    this.log.append({ kind: 'output', seq: output.seq, time: output.time, output });
    this.#outbox.push({ kind: 'output', output });
  }
}
