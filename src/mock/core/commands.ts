/**
 * Inputs of the simulation: what a scheduler asks of the master, whichever protocol carried it. The libprocess
 * front end maps `mesos.scheduler.Call` and the legacy messages (RegisterFrameworkMessage, ReregisterFrameworkMessage,
 * UnregisterFrameworkMessage, DeactivateFrameworkMessage, LaunchTasksMessage, ReviveOffersMessage, KillTaskMessage,
 * StatusUpdateAcknowledgementMessage, ReconcileTasksMessage, FrameworkToExecutorMessage, ResourceRequestMessage)
 * onto these; the v1 HTTP front end maps `mesos.v1.scheduler.Call`.
 */
import type { Filters, FrameworkInfo, IdValue, OfferOperation, ResourceRequest, TaskInfo } from './types.ts';

/**
 * How a framework is connected: a scheduler driver at a libprocess UPID, or a v1 HTTP subscription identified by
 * its `Mesos-Stream-Id`. The core never talks to either; it addresses outputs to them.
 */
export type FrameworkConnection = { kind: 'pid'; pid: string } | { kind: 'http'; stream_id: string };

/** True when two connections are the same peer (same UPID text, or same stream id). */
export function sameConnection(a: FrameworkConnection | undefined, b: FrameworkConnection | undefined): boolean {
  if (a === undefined || b === undefined || a.kind !== b.kind) return false;
  return a.kind === 'pid'
    ? a.pid === (b as { pid: string }).pid
    : a.stream_id === (b as { stream_id: string }).stream_id;
}

/**
 * SUBSCRIBE (driver or v1), RegisterFrameworkMessage (no id), ReregisterFrameworkMessage (id, `force` = its
 * `failover`). `force` asks to take over from another connection ("failover").
 */
export interface SubscribeCommand {
  type: 'SUBSCRIBE';
  from: FrameworkConnection;
  framework_info: FrameworkInfo;
  force?: boolean;
  suppressed_roles?: string[];
}

/** Fields every call on behalf of a subscribed framework carries. `from` is checked when given. */
interface FrameworkCall {
  framework_id: IdValue;
  from?: FrameworkConnection;
}

/** TEARDOWN or UnregisterFrameworkMessage: remove the framework, kill its tasks. */
export interface TeardownCommand extends FrameworkCall {
  type: 'TEARDOWN';
}

/** DeactivateFrameworkMessage (`driver.abort()`): stop offers, rescind outstanding ones; stays connected. */
export interface DeactivateCommand extends FrameworkCall {
  type: 'DEACTIVATE';
}

/** The link to a driver broke (libprocess ExitedEvent) or a v1 event stream closed. */
export interface DisconnectedCommand {
  type: 'DISCONNECTED';
  connection: FrameworkConnection;
}

/** ACCEPT with operations (LAUNCH, LAUNCH_GROUP, RESERVE, UNRESERVE are simulated). */
export interface AcceptCommand extends FrameworkCall {
  type: 'ACCEPT';
  offer_ids: IdValue[];
  operations: OfferOperation[];
  filters?: Filters;
}

/** LaunchTasksMessage (drivers <= 0.23): ACCEPT with one LAUNCH. */
export interface LaunchTasksCommand extends FrameworkCall {
  type: 'LAUNCH_TASKS';
  offer_ids: IdValue[];
  tasks: TaskInfo[];
  filters?: Filters;
}

/** DECLINE: return offers, refusing their resources for `filters.refuse_seconds` (default 5). */
export interface DeclineCommand extends FrameworkCall {
  type: 'DECLINE';
  offer_ids: IdValue[];
  filters?: Filters;
}

/** REVIVE / ReviveOffersMessage: clear filters and unsuppress the roles (all roles when empty). */
export interface ReviveCommand extends FrameworkCall {
  type: 'REVIVE';
  roles?: string[];
}

/** SUPPRESS: no more offers for the roles (all roles when empty). */
export interface SuppressCommand extends FrameworkCall {
  type: 'SUPPRESS';
  roles?: string[];
}

/** KILL / KillTaskMessage. */
export interface KillCommand extends FrameworkCall {
  type: 'KILL';
  task_id: IdValue;
  slave_id?: IdValue;
  kill_policy?: Record<string, unknown>;
}

/** ACKNOWLEDGE / StatusUpdateAcknowledgementMessage. */
export interface AcknowledgeCommand extends FrameworkCall {
  type: 'ACKNOWLEDGE';
  slave_id: IdValue;
  task_id: IdValue;
  uuid: Uint8Array;
}

/** RECONCILE / ReconcileTasksMessage: explicit with tasks, implicit when `tasks` is empty. */
export interface ReconcileCommand extends FrameworkCall {
  type: 'RECONCILE';
  tasks: { task_id: IdValue; slave_id?: IdValue }[];
}

/** MESSAGE / FrameworkToExecutorMessage (via the master or straight to the agent pid). */
export interface FrameworkMessageCommand extends FrameworkCall {
  type: 'MESSAGE';
  slave_id: IdValue;
  executor_id: IdValue;
  data: Uint8Array;
}

/** REQUEST / ResourceRequestMessage: recorded; the Mesos allocator ignores requests. */
export interface RequestCommand extends FrameworkCall {
  type: 'REQUEST';
  requests: ResourceRequest[];
}

/** SHUTDOWN: shut an executor down (its tasks are killed). */
export interface ShutdownExecutorCommand extends FrameworkCall {
  type: 'SHUTDOWN';
  slave_id: IdValue;
  executor_id: IdValue;
}

/** Every input of the simulation. */
export type Command =
  | SubscribeCommand
  | TeardownCommand
  | DeactivateCommand
  | DisconnectedCommand
  | AcceptCommand
  | LaunchTasksCommand
  | DeclineCommand
  | ReviveCommand
  | SuppressCommand
  | KillCommand
  | AcknowledgeCommand
  | ReconcileCommand
  | FrameworkMessageCommand
  | RequestCommand
  | ShutdownExecutorCommand;

/**
 * Why a command was not applied, for the front ends to answer with: the v1 scheduler API maps
 * FRAMEWORK_NOT_FOUND to 400 "Framework cannot be found", NOT_SUBSCRIBED to 403 "Framework is not subscribed",
 * WRONG_CONNECTION to 403 "Framework is not connected via HTTP", STREAM_MISMATCH to 400; the libprocess
 * front end drops the message as the master does.
 */
export type RejectReason =
  | 'FRAMEWORK_NOT_FOUND'
  | 'NOT_SUBSCRIBED'
  | 'WRONG_CONNECTION'
  | 'STREAM_MISMATCH'
  | 'INVALID';

/** Outcome of `MasterSimulation.execute`. `ok` means the master accepted the call (202); results come as outputs. */
export type CommandResult = { ok: true } | { ok: false; reason: RejectReason; message: string };
