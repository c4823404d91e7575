/** v1 HTTP API clients over undici: scheduler and master operator APIs, JSON or protobuf. */
export { decodeBody, encodeBody, mediaTypeOf, type V1Codec } from './codec.ts';
export { type EventStreamOptions, type EventStreamReader, readEventStream } from './event-stream.ts';
export {
  isLoopbackHost,
  MasterConnection,
  type MasterConnectionOptions,
  MasterDispatchers,
  parseMasterUrl,
} from './master-connection.ts';
export {
  type OperatorCall,
  OperatorClient,
  type OperatorClientOptions,
  type OperatorEvent,
  type OperatorEventType,
  type OperatorResponse,
} from './operator-client.ts';
export { fromPlain, type PlainMessage, toPlain } from './plain.ts';
export {
  type CallResult,
  type ReconnectOptions,
  type SchedulerCall,
  SchedulerClient,
  type SchedulerClientOptions,
  type SchedulerEvent,
  type SchedulerEventType,
  type V1Id,
} from './scheduler-client.ts';
