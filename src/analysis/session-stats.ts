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
 * Latencies need capture timestamps (raw streams have none). Pure accumulator; pending starts are bounded.
 */

import { toHex } from '../bytes/ascii.ts';
import { type CaptureTimestamp, timeMillis } from '../pcap/timestamp.ts';
import type { DecodedEvent } from '../pipeline/events.ts';
import type { ProtoMessage } from '../proto/decode.ts';
import { messageTypeTag, type TypedBody } from './body-decode.ts';
import { type BodyIds, bodyIds } from './ids.ts';

/** Items and bytes of one flow, framework or agent. */
export interface BreakdownRow {
  key: string;
  /** Messages, requests, responses and records. */
  items: number;
  /** Bytes on the wire of those items (whole HTTP messages; records with their length line). */
  wireBytes: number;
}

/** Distribution of one latency, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  /** Starts never matched (still pending at the end, bounded). */
  unmatched: number;
}

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
}

/** Starts remembered per latency kind (oldest dropped beyond). */
const MAX_PENDING = 100_000;
/** mesos.TaskState / mesos.v1.TaskState TASK_RUNNING. */
const TASK_RUNNING = 1;

/** Pairs starts with their first end, by key. */
class LatencyTracker {
  private readonly pending = new Map<string, number>();
  private readonly done = new Set<string>();
  /**
   * Every latency measured (ms), in the first `count` entries. A typed array: one per status update on a long
   * capture, as plain array elements they were boxed numbers in the JavaScript heap, and copied again to be sorted.
   */
  private values = new Float64Array(1024);
  private count = 0;
  private dropped = 0;

  start(key: string, ms: number): void {
    if (this.pending.has(key) || this.done.has(key)) return;
    if (this.pending.size >= MAX_PENDING) {
      this.pending.delete(this.pending.keys().next().value!);
      this.dropped++;
    }
    this.pending.set(key, ms);
  }

  end(key: string, ms: number): void {
    const started = this.pending.get(key);
    if (started === undefined) return;
    this.pending.delete(key);
    if (this.done.size >= MAX_PENDING) this.done.clear();
    this.done.add(key);
    if (this.count === this.values.length) {
      const larger = new Float64Array(this.values.length * 2);
      larger.set(this.values);
      this.values = larger;
    }
    this.values[this.count++] = Math.max(0, ms - started);
  }

  summary(): LatencySummary {
    // Numeric order, as the comparator (a - b) gave: latencies are never NaN, and -0 and 0 print alike.
    const sorted = this.values.slice(0, this.count).sort();
    const rank = (p: number) => (sorted.length === 0 ? null : round(sorted[Math.ceil((p / 100) * sorted.length) - 1]!));
    return {
      count: sorted.length,
      p50: rank(50),
      p90: rank(90),
      p99: rank(99),
      max: sorted.length === 0 ? null : round(sorted[sorted.length - 1]!),
      unmatched: this.pending.size + this.dropped,
    };
  }
}

/** Microsecond precision is what captures usually have. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

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
  private readonly flowRows = new Rows();
  private readonly frameworkRows = new Rows();
  private readonly agentRows = new Rows();
  private readonly offerToAccept = new LatencyTracker();
  private readonly launchToRunning = new LatencyTracker();
  private readonly updateToAck = new LatencyTracker();

  add(event: DecodedEvent): void {
    if (event.type !== 'message' && event.type !== 'request' && event.type !== 'response' && event.type !== 'record')
      return;
    const wire =
      event.type === 'record'
        ? event.dataOffset - event.offset + event.length
        : event.type === 'response' && event.stream !== undefined
          ? 0
          : event.end - event.offset;
    if (event.flow !== undefined) this.flowRows.bump(event.flow, wire);
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
    return {
      flows: this.flowRows.sorted(),
      frameworks: this.frameworkRows.sorted(),
      agents: this.agentRows.sorted(),
      latencies: {
        offerToAccept: this.offerToAccept.summary(),
        launchToRunning: this.launchToRunning.summary(),
        updateToAcknowledgement: this.updateToAck.summary(),
      },
    };
  }
}

/** Slots of a Rows cache (a power of two). */
const ROW_SLOTS = 64;
/** Rows per block of counts (a power of two): counts grow a block at a time, never by copying. */
const COUNT_BLOCK_BITS = 10;
const COUNT_BLOCK_ROWS = 1 << COUNT_BLOCK_BITS;

/**
 * Items and wire bytes by key, with a small cache in front of the Map: ids come from freshly decoded strings, which
 * a Map lookup must hash every time (the cost of these tables), while a capture names a few frameworks, agents and
 * flows over and over. A slot picked from the key's length and a few of its characters holds a recent key and its
 * row; one string comparison confirms it. A miss goes to the Map, which stays the one place rows are found.
 *
 * The counts are numbers in blocks, not an object per row: a long capture has two flow rows per connection, all
 * kept to the end.
 */
class Rows {
  /** Row of each key, in the order keys were first seen. */
  private readonly rowOf = new Map<string, number>();
  /** Per row: items, then wire bytes. */
  private readonly blocks: Float64Array[] = [];
  private readonly recentKeys: (string | undefined)[] = new Array(ROW_SLOTS);
  private readonly recentRows = new Int32Array(ROW_SLOTS);

  bump(key: string, wire: number): void {
    const n = key.length;
    const slot =
      n === 0
        ? 0
        : (n * 31 + key.charCodeAt(n - 1) * 7 + key.charCodeAt(n >> 1) * 13 + key.charCodeAt(n >> 2)) & (ROW_SLOTS - 1);
    let row: number;
    if (this.recentKeys[slot] === key) {
      row = this.recentRows[slot]!;
    } else {
      let found = this.rowOf.get(key);
      if (found === undefined) {
        found = this.rowOf.size;
        if (found >>> COUNT_BLOCK_BITS === this.blocks.length) this.blocks.push(new Float64Array(COUNT_BLOCK_ROWS * 2));
        this.rowOf.set(key, found);
      }
      row = found;
      this.recentKeys[slot] = key;
      this.recentRows[slot] = row;
    }
    const counts = this.blocks[row >>> COUNT_BLOCK_BITS]!;
    const at = (row & (COUNT_BLOCK_ROWS - 1)) * 2;
    counts[at]!++;
    counts[at + 1] = counts[at + 1]! + wire;
  }

  /** The rows, most items first, then by key. */
  sorted(): BreakdownRow[] {
    const rows: BreakdownRow[] = [];
    for (const [key, row] of this.rowOf) {
      const counts = this.blocks[row >>> COUNT_BLOCK_BITS]!;
      const at = (row & (COUNT_BLOCK_ROWS - 1)) * 2;
      rows.push({ key, items: counts[at]!, wireBytes: counts[at + 1]! });
    }
    return rows.sort((a, b) => b.items - a.items || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
