// Pure analyses over DecodedEvent streams: flows, traffic counts, per-flow/framework/agent breakdowns, latencies,
// ids inside typed bodies, and the typed decoding of bodies they rely on.
export type { BodyOffsetMap, RecordTyperOptions, TypedBody } from './body-decode.ts';
export {
  BodySegments,
  bodyEncodingOf,
  decodeApiBody,
  decodeJsonAs,
  decodeMessageBody,
  decodeProtobufAs,
  endpointTypes,
  linearOffsets,
  messageTypeTag,
  RecordTyper,
  resolveTypeName,
} from './body-decode.ts';
export type { FlowDirectionSummary, FlowRowStore, FlowSummary, FlowTableOptions } from './flows.ts';
export { FLOW_ROW_FIELDS, FlowTable, MemoryFlowRowStore } from './flows.ts';
export type { BodyIds } from './ids.ts';
export { bodyIds } from './ids.ts';
export type {
  BreakdownRow,
  LatencySummary,
  OmittedRows,
  SessionStatsLimits,
  SessionStatsSummary,
} from './session-stats.ts';
export { MAX_FLOW_ROWS, MAX_ID_ROWS, SessionStats } from './session-stats.ts';
export type { MessageStatsRow, StatsRow, StatsSummary } from './stats.ts';
export { MAX_KEYS, OTHER_KEYS, TrafficStats } from './stats.ts';
