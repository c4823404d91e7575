/**
 * Domain shapes of the simulation core. Anything that becomes a protobuf message is a plain object with the
 * field names of the unversioned `mesos` package (include/mesos/mesos.proto, snake_case as in Mesos JSON), so a
 * front end can hand it to protobufjs `fromObject` or to the Mesos JSON mapping as it is. Enums are their names,
 * bytes are `Uint8Array`. The v1 front ends "evolve" these the way Mesos does (same field numbers, `slave` renamed
 * `agent`): encode with the v0 type, decode with the v1 type.
 */

/** `mesos.TaskState` names. */
export type TaskStateName =
  | 'TASK_STAGING'
  | 'TASK_STARTING'
  | 'TASK_RUNNING'
  | 'TASK_KILLING'
  | 'TASK_FINISHED'
  | 'TASK_FAILED'
  | 'TASK_KILLED'
  | 'TASK_ERROR'
  | 'TASK_LOST'
  | 'TASK_DROPPED'
  | 'TASK_UNREACHABLE'
  | 'TASK_GONE'
  | 'TASK_GONE_BY_OPERATOR'
  | 'TASK_UNKNOWN';

/** States after which a task never changes again (`protobuf::isTerminalState`; TASK_LOST counts). */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskStateName> = new Set<TaskStateName>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** True when `state` is terminal. */
export function isTerminalState(state: TaskStateName): boolean {
  return TERMINAL_TASK_STATES.has(state);
}

/** `mesos.TaskStatus.Source` names. */
export type StatusSource = 'SOURCE_MASTER' | 'SOURCE_SLAVE' | 'SOURCE_EXECUTOR';

/** `mesos.TaskStatus.Reason` names (free string: the enum is long and grows). */
export type StatusReason = string;

/** `{ value }` wrappers: FrameworkID, OfferID, SlaveID, TaskID, ExecutorID. */
export interface IdValue {
  value: string;
}

/** `mesos.Value.Range` (uint64 in the schema; ports fit a number). */
export interface ValueRange {
  begin: number;
  end: number;
}

/** `mesos.Resource.ReservationInfo`. */
export interface ReservationInfo {
  type?: 'UNKNOWN' | 'STATIC' | 'DYNAMIC';
  role?: string;
  principal?: string;
  labels?: Labels;
}

/** `mesos.Labels`. */
export interface Labels {
  labels: { key: string; value?: string }[];
}

/** `mesos.Resource` (the fields the simulation uses; others pass through untouched). */
export interface Resource {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range: ValueRange[] };
  set?: { item: string[] };
  /** Pre-reservation-refinement format only (deprecated upstream); the core keeps `reservations`. */
  role?: string;
  allocation_info?: { role?: string };
  /** Pre-reservation-refinement dynamic reservation. */
  reservation?: ReservationInfo;
  reservations?: ReservationInfo[];
  disk?: Record<string, unknown>;
  revocable?: Record<string, never>;
  shared?: Record<string, never>;
  provider_id?: IdValue;
}

/** `mesos.FrameworkInfo`. */
export interface FrameworkInfo {
  user: string;
  name: string;
  id?: IdValue;
  failover_timeout?: number;
  checkpoint?: boolean;
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: { type?: string }[];
  labels?: Labels;
  offer_filters?: Record<string, unknown>;
}

/** `mesos.Address`. */
export interface Address {
  hostname?: string;
  ip?: string;
  port: number;
}

/** `mesos.MasterInfo`. `ip` is the IPv4 address in network byte order read as a little-endian uint32. */
export interface MasterInfo {
  id: string;
  ip: number;
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: Address;
  capabilities?: { type?: string }[];
}

/** `mesos.Attribute`. */
export interface Attribute {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range: ValueRange[] };
  set?: { item: string[] };
  text?: { value: string };
}

/** `mesos.SlaveInfo`. */
export interface SlaveInfo {
  hostname: string;
  port?: number;
  resources: Resource[];
  attributes?: Attribute[];
  id?: IdValue;
  checkpoint?: boolean;
}

/** `mesos.ExecutorInfo` (the fields the simulation reads; others pass through). */
export interface ExecutorInfo {
  type?: 'UNKNOWN' | 'DEFAULT' | 'CUSTOM';
  executor_id: IdValue;
  framework_id?: IdValue;
  command?: Record<string, unknown>;
  resources?: Resource[];
  name?: string;
  [field: string]: unknown;
}

/** `mesos.TaskInfo` (the fields the simulation reads; others pass through). */
export interface TaskInfo {
  name: string;
  task_id: IdValue;
  slave_id: IdValue;
  resources?: Resource[];
  executor?: ExecutorInfo;
  command?: Record<string, unknown>;
  kill_policy?: Record<string, unknown>;
  labels?: Labels;
  data?: Uint8Array;
  [field: string]: unknown;
}

/** `mesos.TaskStatus`. */
export interface TaskStatus {
  task_id: IdValue;
  state: TaskStateName;
  message?: string;
  source?: StatusSource;
  reason?: StatusReason;
  data?: Uint8Array;
  slave_id?: IdValue;
  executor_id?: IdValue;
  timestamp?: number;
  uuid?: Uint8Array;
  healthy?: boolean;
  labels?: Labels;
  unreachable_time?: { nanoseconds: number };
}

/** `mesos.internal.StatusUpdate`. `uuid` is absent for master-generated updates, which need no acknowledgement. */
export interface StatusUpdate {
  framework_id: IdValue;
  executor_id?: IdValue;
  slave_id?: IdValue;
  status: TaskStatus;
  timestamp: number;
  uuid?: Uint8Array;
  latest_state?: TaskStateName;
}

/** `mesos.Task`: the master's view of a task. */
export interface Task {
  name: string;
  task_id: IdValue;
  framework_id: IdValue;
  executor_id?: IdValue;
  slave_id: IdValue;
  state: TaskStateName;
  resources: Resource[];
  statuses: TaskStatus[];
  status_update_state?: TaskStateName;
  status_update_uuid?: Uint8Array;
  labels?: Labels;
  kill_policy?: Record<string, unknown>;
  user?: string;
}

/** `mesos.URL`. */
export interface Url {
  scheme: string;
  address: Address;
  path?: string;
}

/** `mesos.Offer`. */
export interface Offer {
  id: IdValue;
  framework_id: IdValue;
  slave_id: IdValue;
  hostname: string;
  url?: Url;
  resources: Resource[];
  attributes?: Attribute[];
  executor_ids?: IdValue[];
  allocation_info?: { role?: string };
}

/** `mesos.Filters`. `refuse_seconds` defaults to 5 upstream. */
export interface Filters {
  refuse_seconds?: number;
}

/** `mesos.TaskGroupInfo`. */
export interface TaskGroupInfo {
  tasks: TaskInfo[];
}

/** `mesos.Offer.Operation` (LAUNCH, LAUNCH_GROUP, RESERVE and UNRESERVE are simulated). */
export interface OfferOperation {
  type: 'UNKNOWN' | 'LAUNCH' | 'LAUNCH_GROUP' | 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY' | string;
  id?: IdValue;
  launch?: { task_infos: TaskInfo[] };
  launch_group?: { executor: ExecutorInfo; task_group: TaskGroupInfo };
  reserve?: { source?: Resource[]; resources: Resource[] };
  unreserve?: { resources: Resource[] };
  [field: string]: unknown;
}

/** `mesos.Request` (REQUEST calls are recorded only, as the Mesos allocator ignores them). */
export interface ResourceRequest {
  slave_id?: IdValue;
  resources?: Resource[];
}
