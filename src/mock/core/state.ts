/**
 * Internal records of the simulation (not exported from the package): the master's view of frameworks, agents,
 * offers and tasks, plus the virtual agents' own task and status update state.
 */
import type { TimerId } from './clock.ts';
import type { FrameworkConnection } from './commands.ts';
import type { TaskScript } from './task-scripts.ts';
import type {
  Attribute,
  ExecutorInfo,
  FrameworkInfo,
  Resource,
  StatusUpdate,
  Task,
  TaskInfo,
  TaskStateName,
} from './types.ts';

/** A refused-offer filter (`RefusedOfferFilter`): offers on the agent within `resources` are skipped until `until`. */
export interface OfferFilter {
  resources: Resource[];
  until: number;
  timer: TimerId;
}

/** A framework known to the master. */
export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  connection: FrameworkConnection;
  connected: boolean;
  active: boolean;
  roles: string[];
  capabilities: Set<string>;
  suppressedRoles: Set<string>;
  /** role -> agent id -> filters. */
  filters: Map<string, Map<string, OfferFilter[]>>;
  offers: Set<string>;
  tasks: Map<string, TaskRecord>;
  completedTasks: Task[];
  /** Scalar allocation (offered + used) for the fair-share order. */
  allocated: { cpus: number; mem: number; disk: number };
  registeredTime: number;
  reregisteredTime: number | undefined;
  unregisteredTime: number | undefined;
  failoverTimer: TimerId | undefined;
  heartbeatTimer: TimerId | undefined;
  /** Order of registration, to break ties in the fair-share order. */
  ordinal: number;
}

/** An executor running on a virtual agent. */
export interface ExecutorRecord {
  info: ExecutorInfo;
  frameworkId: string;
  agentId: string;
  /** `command` (one task, exits with it), `default` (task groups, exits when idle) or `custom` (stays). */
  kind: 'command' | 'default' | 'custom';
  /** Resources charged for the executor itself. */
  resources: Resource[];
  taskIds: Set<string>;
}

/** A virtual agent. */
export interface AgentRecord {
  id: string;
  hostname: string;
  port: number;
  pid: string;
  attributes: Attribute[];
  total: Resource[];
  /** Offered or used (canonical form). */
  allocated: Resource[];
  offers: Set<string>;
  /** `${frameworkId}/${executorId}` -> executor. */
  executors: Map<string, ExecutorRecord>;
  registeredTime: number;
  active: boolean;
}

/** An outstanding offer. */
export interface OfferRecord {
  id: string;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resource[];
  timer: TimerId | undefined;
}

/** A task: the master's `Task` plus the virtual agent's side of it. */
export interface TaskRecord {
  task: Task;
  info: TaskInfo;
  frameworkId: string;
  agentId: string;
  /** Executor id used in updates (the task id for command tasks). */
  executorId: string;
  executorKey: string;
  /** The executor's latest state for the task (agent side). */
  agentState: TaskStateName;
  script: TaskScript;
  nextStep: number;
  stepTimer: TimerId | undefined;
  killing: boolean;
  /** Agent status update stream: unacknowledged updates, head first. */
  pending: StatusUpdate[];
  retryTimer: TimerId | undefined;
  retryIntervalMs: number;
  /** Resources charged for the task; returned once the master learns a terminal state. */
  resources: Resource[];
  resourcesRecovered: boolean;
  /** Task group members share this key (their executor key); undefined for single tasks. */
  group: string | undefined;
}
