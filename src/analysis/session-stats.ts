/**
 * Capture statistics beyond counts per type (stats.ts): items and bytes per flow, per framework and per agent (ids
 * found inside typed bodies), and latencies between related messages seen in the capture:
 *
 * - offer -> accept: an offer id (ResourceOffersMessage, v1 OFFERS event) to the first ACCEPT naming it (v0 Call over
 *   libprocess, v1 Call, legacy LaunchTasksMessage);
 * - launch -> TASK_RUNNING: a task id in a launch (ACCEPT LAUNCH/LAUNCH_GROUP, LaunchTasksMessage, RunTaskMessage,
 *   RunTaskGroupMessage: the first one seen) to the first status update saying TASK_RUNNING for it;
 * - status update -> acknowledgement: a status update uuid (StatusUpdateMessage, v1 UPDATE event, executor UPDATE
 *   call) to the first acknowledgement with that uuid (StatusUpdateAcknowledgementMessage, ACKNOWLEDGE calls,
 *   executor ACKNOWLEDGED event).
 *
 * Latencies need capture timestamps (raw streams have none). Pure accumulator in bounded memory: row limits
 * (breakdown-rows.ts), pending starts and exact latencies (latency.ts).
 */

import { toHex } from '../bytes/ascii.ts';
import { type CaptureTimestamp, timeMillis } from '../pcap/timestamp.ts';
import type { DecodedEvent } from '../pipeline/events.ts';
import type { ProtoMessage } from '../proto/decode.ts';
import { messageTypeTag, type TypedBody } from './body-decode.ts';
import { type BreakdownRow, BreakdownRows, type OmittedRows } from './breakdown-rows.ts';
import { type BodyIds, bodyIds } from './ids.ts';
import { type LatencySummary, LatencyTracker } from './latency.ts';

export type { BreakdownRow, OmittedRows } from './breakdown-rows.ts';
export type { LatencySummary } from './latency.ts';

/** What SessionStats computed. */
export interface SessionStatsSummary {
  flows: BreakdownRow[];
  frameworks: BreakdownRow[];
  agents: BreakdownRow[];
  latencies: {
    offerToAccept: LatencySummary;
    launchToRunning: LatencySummary;
    updateToAcknowledgement: LatencySummary;
  };
  /** Present when a table reached its row limit: what the rows left out held. */
  omitted?: { flows?: OmittedRows; frameworks?: OmittedRows; agents?: OmittedRows };
}

/** Limits of the tables (rows kept; see breakdown-rows.ts for what happens beyond). */
export interface SessionStatsLimits {
  /** Flow rows (one per direction of a connection). Default MAX_FLOW_ROWS. */
  maxFlows?: number;
  /** Framework rows and agent rows, each. Default MAX_ID_ROWS. */
  maxIds?: number;
}

/** Flow rows kept by default: the busiest; `mesos-wire flows` lists every connection. */
export const MAX_FLOW_ROWS = 10_000;
/** Framework and agent rows kept by default (a cluster has far fewer). */
export const MAX_ID_ROWS = 10_000;
/** mesos.TaskState / mesos.v1.TaskState TASK_RUNNING. */
const TASK_RUNNING = 1;

function millis(event: { time?: CaptureTimestamp }): number | undefined {
  return event.time === undefined ? undefined : timeMillis(event.time);
}

type Msg = ProtoMessage | undefined;
const obj = (m: Msg, key: string): Msg => (m?.[key] as Msg) ?? undefined;
const list = (m: Msg, key: string): ProtoMessage[] => (m?.[key] as ProtoMessage[] | undefined) ?? [];
const idValue = (m: Msg): string | undefined => {
  const v = m?.value;
  return typeof v === 'string' ? v : undefined;
};
const uuidKey = (m: Msg, key: string): string | undefined => {
  const v = m?.[key];
  return v instanceof Uint8Array && v.length > 0 ? toHex(v) : undefined;
};

/** Task ids launched by the operations of an ACCEPT call. */
function launchedTasks(accept: Msg): string[] {
  const out: string[] = [];
  for (const op of list(accept, 'operations')) {
    for (const task of list(obj(op, 'launch'), 'task_infos')) pushId(out, obj(task, 'task_id'));
    for (const task of list(obj(obj(op, 'launch_group'), 'task_group'), 'tasks')) pushId(out, obj(task, 'task_id'));
  }
  return out;
}

function pushId(out: string[], id: Msg): void {
  const v = idValue(id);
  if (v !== undefined) out.push(v);
}

/** Accumulates per-flow, per-framework and per-agent breakdowns and latencies. */
export class SessionStats {
  private readonly flowRows: BreakdownRows;
  private readonly frameworkRows: BreakdownRows;
  private readonly agentRows: BreakdownRows;
  private readonly offerToAccept = new LatencyTracker();
  private readonly launchToRunning = new LatencyTracker();
  private readonly updateToAck = new LatencyTracker();

  constructor(limits: SessionStatsLimits = {}) {
    this.flowRows = new BreakdownRows({ maxRows: limits.maxFlows ?? MAX_FLOW_ROWS, closable: true });
    const maxIds = limits.maxIds ?? MAX_ID_ROWS;
    this.frameworkRows = new BreakdownRows({ maxRows: maxIds, closable: false });
    this.agentRows = new BreakdownRows({ maxRows: maxIds, closable: false });
  }

  add(event: DecodedEvent): void {
    if (event.type !== 'message' && event.type !== 'request' && event.type !== 'response' && event.type !== 'record') {
      if (event.type === 'close') this.flowRows.close(event.connection);
      return;
    }
    const wire =
      event.type === 'record'
        ? event.dataOffset - event.offset + event.length
        : event.type === 'response' && event.stream !== undefined
          ? 0
          : event.end - event.offset;
    if (event.flow !== undefined) this.flowRows.bump(event.flow, wire, event.connection);
    const typed = event.typed;
    if (typed?.kind !== 'message') return;
    const ids: BodyIds = bodyIds(typed);
    for (const id of ids.frameworks) this.frameworkRows.bump(id, wire);
    for (const id of ids.agents) this.agentRows.bump(id, wire);
    const ms = millis(event);
    if (ms !== undefined) this.latencies(typed, ms);
  }

  private latencies(typed: TypedBody & { kind: 'message' }, ms: number): void {
    const m = typed.message;
    const tag = messageTypeTag(typed);
    switch (typed.typeName) {
      case 'mesos.internal.ResourceOffersMessage':
        for (const offer of list(m, 'offers')) this.offer(offer, ms);
        return;
      case 'mesos.v1.scheduler.Event':
        if (tag === 'OFFERS') for (const offer of list(obj(m, 'offers'), 'offers')) this.offer(offer, ms);
        else if (tag === 'UPDATE') this.update(obj(obj(m, 'update'), 'status'), ms);
        return;
      case 'mesos.scheduler.Call':
      case 'mesos.v1.scheduler.Call':
        if (tag === 'ACCEPT') {
          const accept = obj(m, 'accept');
          for (const id of list(accept, 'offer_ids')) this.accept(id, ms);
          for (const task of launchedTasks(accept)) this.launchToRunning.start(task, ms);
        } else if (tag === 'ACKNOWLEDGE') {
          const key = uuidKey(obj(m, 'acknowledge'), 'uuid');
          if (key !== undefined) this.updateToAck.end(key, ms);
        }
        return;
      case 'mesos.internal.LaunchTasksMessage':
        for (const id of list(m, 'offer_ids')) this.accept(id, ms);
        for (const task of list(m, 'tasks')) this.launch(obj(task, 'task_id'), ms);
        return;
      case 'mesos.internal.RunTaskMessage':
        this.launch(obj(obj(m, 'task'), 'task_id'), ms);
        return;
      case 'mesos.internal.RunTaskGroupMessage':
        for (const task of list(obj(m, 'task_group'), 'tasks')) this.launch(obj(task, 'task_id'), ms);
        return;
      case 'mesos.internal.StatusUpdateMessage': {
        const update = obj(m, 'update');
        this.statusUpdate(obj(update, 'status'), uuidKey(update, 'uuid'), ms);
        return;
      }
      case 'mesos.v1.executor.Call':
        if (tag === 'UPDATE') this.update(obj(obj(m, 'update'), 'status'), ms);
        return;
      case 'mesos.internal.StatusUpdateAcknowledgementMessage': {
        const key = uuidKey(m, 'uuid');
        if (key !== undefined) this.updateToAck.end(key, ms);
        return;
      }
      case 'mesos.v1.executor.Event':
        if (tag === 'ACKNOWLEDGED') {
          const key = uuidKey(obj(m, 'acknowledged'), 'uuid');
          if (key !== undefined) this.updateToAck.end(key, ms);
        }
        return;
    }
  }

  private offer(offer: ProtoMessage, ms: number): void {
    const id = idValue(obj(offer, 'id'));
    if (id !== undefined) this.offerToAccept.start(id, ms);
  }

  private accept(id: ProtoMessage, ms: number): void {
    const value = idValue(id);
    if (value !== undefined) this.offerToAccept.end(value, ms);
  }

  private launch(id: Msg, ms: number): void {
    const value = idValue(id);
    if (value !== undefined) this.launchToRunning.start(value, ms);
  }

  /** A v1 UPDATE event's status (`update.status`), where the uuid sits inside the status. */
  private update(status: Msg, ms: number): void {
    this.statusUpdate(status, uuidKey(status, 'uuid'), ms);
  }

  private statusUpdate(status: Msg, uuid: string | undefined, ms: number): void {
    if (uuid !== undefined) this.updateToAck.start(uuid, ms);
    if (status?.state === TASK_RUNNING) {
      const task = idValue(obj(status, 'task_id'));
      if (task !== undefined) this.launchToRunning.end(task, ms);
    }
  }

  summary(): SessionStatsSummary {
    const summary: SessionStatsSummary = {
      flows: this.flowRows.sorted(),
      frameworks: this.frameworkRows.sorted(),
      agents: this.agentRows.sorted(),
      latencies: {
        offerToAccept: this.offerToAccept.summary(),
        launchToRunning: this.launchToRunning.summary(),
        updateToAcknowledgement: this.updateToAck.summary(),
      },
    };
    const omitted: NonNullable<SessionStatsSummary['omitted']> = {};
    if (this.flowRows.omitted.items > 0) omitted.flows = { ...this.flowRows.omitted };
    if (this.frameworkRows.omitted.items > 0) omitted.frameworks = { ...this.frameworkRows.omitted };
    if (this.agentRows.omitted.items > 0) omitted.agents = { ...this.agentRows.omitted };
    if (Object.keys(omitted).length > 0) summary.omitted = omitted;
    return summary;
  }
}
