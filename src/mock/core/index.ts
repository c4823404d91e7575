// The mock master's simulation core: protocol-free, deterministic, on a virtual clock.
export { type AgentResourceDefaults, agentResources } from './agent-resources.ts';
export { bindClockToRealTime, type RealTimeHost, type TimerId, VirtualClock } from './clock.ts';
export type {
  AcceptCommand,
  AcknowledgeCommand,
  Command,
  CommandResult,
  DeactivateCommand,
  DeclineCommand,
  DisconnectedCommand,
  FrameworkConnection,
  FrameworkMessageCommand,
  KillCommand,
  LaunchTasksCommand,
  ReconcileCommand,
  RejectReason,
  RequestCommand,
  ReviveCommand,
  ShutdownExecutorCommand,
  SubscribeCommand,
  SuppressCommand,
  TeardownCommand,
} from './commands.ts';
export { sameConnection } from './commands.ts';
export {
  DEFAULT_ALLOCATION_INTERVAL_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_REFUSE_SECONDS,
  STATUS_UPDATE_RETRY_MAX_MS,
  STATUS_UPDATE_RETRY_MIN_MS,
} from './constants.ts';
export { formatUuid, masterInfoIp, uuidEquals } from './ids.ts';
export { type LogEntry, SimulationLog } from './log.ts';
export type { AgentMessage, AgentView, FrameworkView, OperatorEvent, Output, SchedulerEvent } from './outputs.ts';
export { parseResourcesText } from './resource-text.ts';
export {
  addResources,
  containsResources,
  downgradeResource,
  formatResources,
  normalizeResources,
  subtractResources,
  upgradeResource,
} from './resources.ts';
export { type AgentSpec, MasterSimulation, type MasterSimulationOptions } from './simulation.ts';
export {
  DEFAULT_TASK_TIMINGS,
  namedScript,
  type TaskBehavior,
  type TaskBehaviorName,
  type TaskRule,
  type TaskScript,
  type TaskStep,
  type TaskTimings,
} from './task-scripts.ts';
export {
  type Address,
  type Attribute,
  type ExecutorInfo,
  type Filters,
  type FrameworkInfo,
  type IdValue,
  isTerminalState,
  type Labels,
  type MasterInfo,
  type Offer,
  type OfferOperation,
  type ReservationInfo,
  type Resource,
  type ResourceRequest,
  type SlaveInfo,
  type StatusReason,
  type StatusSource,
  type StatusUpdate,
  type Task,
  type TaskGroupInfo,
  type TaskInfo,
  type TaskStateName,
  type TaskStatus,
  TERMINAL_TASK_STATES,
  type Url,
  type ValueRange,
} from './types.ts';
export type { AgentSnapshot, FrameworkSnapshot, MasterSnapshot, RemovedAgent } from './views.ts';
