/**
 * Outputs of the simulation. Scheduler events are named after the v1 `Event` types; the libprocess front end maps
 * them onto the messages a master sends a driver:
 *
 * | event | driver message |
 * |---|---|
 * | SUBSCRIBED (`reregistered` false / true) | FrameworkRegisteredMessage / FrameworkReregisteredMessage |
 * | OFFERS | ResourceOffersMessage (`pids[i]` for `offers[i]`) |
 * | RESCIND | RescindResourceOfferMessage |
 * | UPDATE | StatusUpdateMessage (`pid` = agent to acknowledge to, empty for master-generated updates) |
 * | MESSAGE | ExecutorToFrameworkMessage (sent from `agent_pid`) |
 * | FAILURE with executor_id / without | ExitedExecutorMessage / LostSlaveMessage |
 * | ERROR | FrameworkErrorMessage |
 * | HEARTBEAT | (v1 only) |
 *
 * Agent messages go to the virtual agents inside the simulation; they are outputs only so that logs and captures
 * show the whole conversation.
 */
import type { FrameworkConnection } from './commands.ts';
import type {
  ExecutorInfo,
  FrameworkInfo,
  IdValue,
  MasterInfo,
  Offer,
  Resource,
  StatusUpdate,
  Task,
  TaskGroupInfo,
  TaskInfo,
  TaskStateName,
  TaskStatus,
} from './types.ts';

/** Events for a framework. */
export type SchedulerEvent =
  | {
      type: 'SUBSCRIBED';
      framework_id: IdValue;
      master_info: MasterInfo;
      heartbeat_interval_seconds: number;
      /** True where a driver gets FrameworkReregisteredMessage (re-subscription without failover). */
      reregistered: boolean;
    }
  | { type: 'OFFERS'; offers: Offer[]; pids: string[] }
  | { type: 'RESCIND'; offer_id: IdValue }
  | { type: 'UPDATE'; update: StatusUpdate; pid: string }
  | { type: 'MESSAGE'; slave_id: IdValue; executor_id: IdValue; data: Uint8Array; agent_pid: string }
  | { type: 'FAILURE'; slave_id: IdValue; executor_id?: IdValue; status?: number }
  | { type: 'ERROR'; message: string }
  | { type: 'HEARTBEAT' }
  /** The master closes this v1 event stream (after ERROR, failover, teardown); nothing is sent to a driver. */
  | { type: 'CLOSE' };

/** Messages from the master to a virtual agent (names as the `mesos.internal` messages, without `Message`). */
export type AgentMessage =
  | { type: 'RUN_TASK'; framework: FrameworkInfo; task: TaskInfo; pid: string; launch_executor: boolean }
  | {
      type: 'RUN_TASK_GROUP';
      framework: FrameworkInfo;
      executor: ExecutorInfo;
      task_group: TaskGroupInfo;
      launch_executor: boolean;
    }
  | { type: 'KILL_TASK'; framework_id: IdValue; task_id: IdValue; kill_policy?: Record<string, unknown> }
  | {
      type: 'STATUS_UPDATE_ACKNOWLEDGEMENT';
      slave_id: IdValue;
      framework_id: IdValue;
      task_id: IdValue;
      uuid: Uint8Array;
    }
  | { type: 'FRAMEWORK_TO_EXECUTOR'; slave_id: IdValue; framework_id: IdValue; executor_id: IdValue; data: Uint8Array }
  | { type: 'SHUTDOWN_FRAMEWORK'; framework_id: IdValue }
  | { type: 'SHUTDOWN_EXECUTOR'; framework_id: IdValue; executor_id: IdValue };

/** One output, addressed. `seq` orders all outputs of a simulation; `time` is virtual ms. */
export type Output =
  | {
      target: 'framework';
      seq: number;
      time: number;
      /** Absent only for answers to a subscription that was refused before an id was known. */
      framework_id: string | undefined;
      to: FrameworkConnection;
      event: SchedulerEvent;
    }
  | { target: 'agent'; seq: number; time: number; agent_id: string; agent_pid: string; message: AgentMessage };

/** A virtual agent as the operator API shows it (`GetAgents.Agent`, v0 names). */
export interface AgentView {
  slave_info: { hostname: string; port: number; id: IdValue; resources: Resource[] };
  pid: string;
  active: boolean;
  registered_time: { nanoseconds: number };
  total_resources: Resource[];
  allocated_resources: Resource[];
  offered_resources: Resource[];
}

/** A framework as the operator API shows it (`GetFrameworks.Framework`, v0 names). */
export interface FrameworkView {
  framework_info: FrameworkInfo;
  active: boolean;
  connected: boolean;
  recovered: boolean;
  registered_time?: { nanoseconds: number };
  reregistered_time?: { nanoseconds: number };
  unregistered_time?: { nanoseconds: number };
  offers: Offer[];
  allocated_resources: Resource[];
  offered_resources: Resource[];
}

/** Operator API events (`mesos.v1.master.Event`, v0 names). */
export type OperatorEvent =
  | { type: 'TASK_ADDED'; task: Task }
  | { type: 'TASK_UPDATED'; framework_id: IdValue; status: TaskStatus; state: TaskStateName }
  | { type: 'AGENT_ADDED'; agent: AgentView }
  | { type: 'AGENT_REMOVED'; agent_id: IdValue }
  | { type: 'FRAMEWORK_ADDED'; framework: FrameworkView }
  | { type: 'FRAMEWORK_UPDATED'; framework: FrameworkView }
  | { type: 'FRAMEWORK_REMOVED'; framework_info: FrameworkInfo };
