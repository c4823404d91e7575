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
export { formatUuid, masterInfoIp, uuidEquals } from './ids.ts';
export { type LogEntry, SimulationLog } from './log.ts';
export type { AgentMessage, AgentView, FrameworkView, OperatorEvent, Output, SchedulerEvent } from './outputs.ts';
export { parseResourcesText, type ResourceToken } from './resource-text.ts';
export {
  addResources,
  containsResources,
  downgradeResource,
  formatResources,
  normalizeResources,
  subtractResources,
  upgradeResource,
} from './resources.ts';
export {
  type AgentSpec,
  DEFAULT_ALLOCATION_INTERVAL_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  MasterSimulation,
  type MasterSimulationOptions,
  STATUS_UPDATE_RETRY_MAX_MS,
  STATUS_UPDATE_RETRY_MIN_MS,
} from './simulation.ts';
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
export * from './types.ts';
export type { AgentSnapshot, FrameworkSnapshot, MasterSnapshot, RemovedAgent } from './views.ts';
