// `mesos-wire/testing`: the mock Mesos master (libprocess front end, test API, captures) and its simulation core.
export * from './core/index.ts';
export type {
  Direction,
  DropRule,
  MatchOptions,
  MessageMatcher,
  NoneExpectation,
  TrafficRecord,
} from './expectations.ts';
export { matches } from './expectations.ts';
// The v1 HTTP APIs (scheduler and operator), mounted on a MockMaster with `http: v1ApiHook()`.
export * from './http-api/index.ts';
export {
  type AnswerPolicy,
  type HookActions,
  type HookHandle,
  type HookVerdict,
  type InjectedMessage,
  type MessageHook,
  type MockHttpContext,
  MockMaster,
  type MockMasterOptions,
  rawRequest,
  type TrafficStats,
} from './master.ts';
export { PcapngTcpWriter, type TcpFlow } from './pcapng.ts';
export { decodePlain, encodePlain, messageType, type PlainMessage, toPlain } from './protobuf.ts';
export {
  agentJson,
  type BuildInfo,
  buildInfo,
  frameworkJson,
  frameworksJson,
  resourcesJson,
  slavesJson,
  stateJson,
  taskJson,
} from './state-json.ts';
export {
  commandFromMessage,
  EMPTY_UPID_TEXT,
  messageForAgent,
  messageForEvent,
  SCHEDULER_CALL,
  type Translation,
  type WireMessage,
} from './translate.ts';
