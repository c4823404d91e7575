/**
 * `/api/v1/scheduler` on the mock master (wire-protocol.md §4.4): every call answered as the real master answers
 * it, SUBSCRIBE as a chunked RecordIO event stream whose Content-Type is the record encoding, fed by the
 * simulation core's outputs for HTTP connections. Frameworks of both protocols share the core, so a driver's
 * framework shows up here as "not connected via HTTP".
 */
import { randomUUID } from 'node:crypto';
import { getHeader } from '../../http/index.ts';
import { decodeWithType, type ProtoMessage } from '../../proto/decode.ts';
import { encodeMessage } from '../../proto/json-read.ts';
import type { PbType } from '../../proto/schema.ts';
import { encodeRecord } from '../../recordio/index.ts';
import type { ResponseStream, RouteReply, RouteRequest, RouteResponse } from '../../transport/index.ts';
import type { Command, FrameworkInfo, MasterSimulation, Output } from '../core/index.ts';
import { evolve, requireType, schedulerEventObject, toCoreObject, v1Types } from './convert.ts';
import { negotiateContentType, type V1ContentType } from './media.ts';
import {
  checkMasterState,
  isResponse,
  type Leadership,
  notAcceptable,
  parseCallBody,
  textResponse,
} from './request.ts';

/** A v1 scheduler event as the mock can inject it (unversioned field names, enums by name). */
export type InjectedSchedulerEvent = Record<string, unknown> & { type: string };

/** One open SUBSCRIBE stream. */
interface SchedulerStream {
  readonly id: string;
  readonly out: ResponseStream;
  readonly contentType: V1ContentType;
  frameworkId: string | undefined;
  /** Ended by the master (not broken by the client). */
  endedByMaster: boolean;
}

/** Sub-message a call type must carry (`validation::scheduler::call::validate`). */
const REQUIRED_PART: Readonly<Record<string, string>> = {
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status',
  RECONCILE: 'reconcile',
  RECONCILE_OPERATIONS: 'reconcile_operations',
  MESSAGE: 'message',
  REQUEST: 'request',
  UPDATE_FRAMEWORK: 'update_framework',
};

/** Calls the core does not simulate (no inverse offers, no operations): accepted (202) and otherwise ignored. */
const ACCEPTED_WITHOUT_EFFECT = new Set([
  'ACCEPT_INVERSE_OFFERS',
  'DECLINE_INVERSE_OFFERS',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE_OPERATIONS',
]);

type Types = { v1Call: PbType; v0Call: PbType; v1FrameworkInfo: PbType };
let callTypes: Types | undefined;
function types(): Types {
  callTypes ??= {
    v1Call: requireType('mesos.v1.scheduler.Call'),
    v0Call: requireType('mesos.scheduler.Call'),
    v1FrameworkInfo: requireType('mesos.v1.FrameworkInfo'),
  };
  return callTypes;
}

/** Options of `SchedulerApi`. */
export interface SchedulerApiOptions {
  /** Current leadership (read on every request). */
  leadership: () => Leadership;
}

/** See the file comment. Create through `mountV1Apis`. */
export class SchedulerApi {
  readonly #simulation: MasterSimulation;
  readonly #options: SchedulerApiOptions;
  readonly #streams = new Map<string, SchedulerStream>();
  readonly #unsubscribe: () => void;

  constructor(simulation: MasterSimulation, options: SchedulerApiOptions) {
    this.#simulation = simulation;
    this.#options = options;
    this.#unsubscribe = simulation.onOutput((output) => this.#onOutput(output));
  }

  /** Ids of the open SUBSCRIBE streams. */
  get openStreams(): string[] {
    return [...this.#streams.keys()];
  }

  /** The stream id a framework is subscribed with, if it has an open stream here. */
  streamIdOf(frameworkId: string): string | undefined {
    for (const stream of this.#streams.values()) if (stream.frameworkId === frameworkId) return stream.id;
    return undefined;
  }

  /**
   * Sends an event the core does not simulate (INVERSE_OFFERS, RESCIND_INVERSE_OFFER, UPDATE_OPERATION_STATUS, or
   * any other `mesos.scheduler.Event`) to a framework's open stream. False when it has none.
   */
  injectEvent(frameworkId: string, event: InjectedSchedulerEvent): boolean {
    const id = this.streamIdOf(frameworkId);
    const stream = id === undefined ? undefined : this.#streams.get(id);
    if (stream === undefined) return false;
    return this.#write(stream, evolve(event, v1Types().schedulerEvent, stream.contentType));
  }

  /**
   * Looks for streams the client broke that were not reported yet: their frameworks are disconnected (failover
   * timeout starts). Streams report their close themselves (`onClose`); this runs before every call as a backstop.
   */
  sweep(): void {
    for (const stream of [...this.#streams.values()]) if (stream.out.closed) this.#broken(stream);
  }

  /** Ends every stream (the master goes away) and stops listening to the core. */
  close(): void {
    this.#unsubscribe();
    for (const stream of this.#streams.values()) {
      stream.endedByMaster = true;
      stream.out.end();
    }
    this.#streams.clear();
  }

  /** The route handler. */
  handle(request: RouteRequest, reply: RouteReply): RouteResponse | undefined {
    const early = checkMasterState(request, this.#options.leadership());
    if (early !== undefined) return early;
    const parsed = parseCallBody(request, types().v1Call);
    if (isResponse(parsed)) return parsed;
    const call = parsed.message;
    const type = callTypeName(call);
    const invalid = validate(call, type);
    if (invalid !== undefined) return textResponse(400, `Failed to validate scheduler::Call: ${invalid}`);

    if (type === 'SUBSCRIBE' || type === 'RECONCILE_OPERATIONS') {
      const accept = negotiateContentType(getHeader(request, 'Accept'));
      if (accept === undefined) return notAcceptable();
      if (type === 'SUBSCRIBE') {
        if (getHeader(request, 'Mesos-Stream-Id') !== undefined) {
          return textResponse(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
        }
        this.#subscribe(call, accept, reply);
        return undefined;
      }
    }

    this.sweep();
    const frameworkId = ((call.framework_id as ProtoMessage).value as string) ?? '';
    const known = this.#simulation.frameworkConnection(frameworkId);
    if (known === undefined) return textResponse(400, 'Framework cannot be found');
    if (!known.connected) return textResponse(403, 'Framework is not subscribed');
    if (known.connection.kind !== 'http') return textResponse(403, 'Framework is not connected via HTTP');
    const streamId = getHeader(request, 'Mesos-Stream-Id');
    if (streamId === undefined) {
      return textResponse(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    }
    if (streamId !== known.connection.stream_id) {
      return textResponse(
        400,
        `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated ` +
          `with framework ID ${frameworkId}`,
      );
    }
    if (type === 'UNKNOWN' || type === undefined) return textResponse(501);
    // The core does not simulate framework info updates; the master's answer to a valid one is 200 without body.
    if (type === 'UPDATE_FRAMEWORK') return textResponse(200);
    if (ACCEPTED_WITHOUT_EFFECT.has(type)) return textResponse(202);

    const command = toCommand(parsed.bytes, type, { kind: 'http', stream_id: streamId });
    if (command === undefined) return textResponse(202);
    const result = this.#simulation.execute(command);
    if (result.ok) return textResponse(202);
    switch (result.reason) {
      case 'FRAMEWORK_NOT_FOUND':
      case 'STREAM_MISMATCH':
        return textResponse(400, result.message);
      case 'NOT_SUBSCRIBED':
      case 'WRONG_CONNECTION':
        return textResponse(403, result.message);
      case 'INVALID':
        return textResponse(400, `Failed to validate scheduler::Call: ${result.message}`);
    }
  }

  #subscribe(call: ProtoMessage, contentType: V1ContentType, reply: RouteReply): void {
    const id = randomUUID();
    const out = reply.stream(200, [
      ['Content-Type', contentType],
      ['Mesos-Stream-Id', id],
    ]);
    const stream: SchedulerStream = { id, out, contentType, frameworkId: undefined, endedByMaster: false };
    this.#streams.set(id, stream);
    // A client that closes its socket (or sends FIN) is disconnected at once, as `Master::exited` does for a
    // broken HTTP connection, not at the next heartbeat write.
    out.onClose(() => this.#broken(stream));
    const subscribe = call.subscribe as ProtoMessage;
    // v0 and v1 Call.Subscribe number their fields differently (v0 has `force`): evolve FrameworkInfo alone.
    const v1Info = subscribe.framework_info as ProtoMessage;
    const v0InfoType = v1Types().frameworkInfo;
    const info = toCoreObject(decodeWithType(v0InfoType, encodeMessage(v1Info, types().v1FrameworkInfo)), v0InfoType);
    const suppressed = (subscribe.suppressed_roles as string[] | undefined) ?? [];
    this.#simulation.execute({
      type: 'SUBSCRIBE',
      from: { kind: 'http', stream_id: id },
      framework_info: info as unknown as FrameworkInfo,
      ...(suppressed.length > 0 ? { suppressed_roles: suppressed } : {}),
    });
  }

  #onOutput(output: Output): void {
    if (output.target !== 'framework' || output.to.kind !== 'http') return;
    const stream = this.#streams.get(output.to.stream_id);
    if (stream === undefined) return;
    if (output.framework_id !== undefined) stream.frameworkId = output.framework_id;
    const event = output.event;
    if (event.type === 'CLOSE') {
      stream.endedByMaster = true;
      this.#streams.delete(stream.id);
      stream.out.end();
      return;
    }
    const object = schedulerEventObject(event);
    if (object === undefined) return;
    this.#write(stream, evolve(object, v1Types().schedulerEvent, stream.contentType));
  }

  #write(stream: SchedulerStream, record: Uint8Array): boolean {
    // One record per chunk, as Mesos's pipe writes do.
    if (stream.out.write(encodeRecord(record))) return true;
    this.#broken(stream);
    return false;
  }

  /** The client went away: like `Master::exited` for an HTTP framework (failover timeout starts). */
  #broken(stream: SchedulerStream): void {
    if (!this.#streams.delete(stream.id) || stream.endedByMaster) return;
    // Releases a half-closed connection (a no-op when the socket is already gone).
    stream.out.end();
    this.#simulation.execute({ type: 'DISCONNECTED', connection: { kind: 'http', stream_id: stream.id } });
  }
}

function callTypeName(call: ProtoMessage): string | undefined {
  if (!Object.hasOwn(call, 'type')) return undefined;
  const names: Record<number, string> = types().v1Call.lookupEnum('Type').valuesById;
  return names[call.type as number] ?? 'UNKNOWN';
}

/** `validation::scheduler::call::validate`: the reason, or undefined when valid. */
function validate(call: ProtoMessage, type: string | undefined): string | undefined {
  if (type === undefined) return "Expecting 'type' to be present";
  if (type === 'SUBSCRIBE') {
    if (!Object.hasOwn(call, 'subscribe')) return "Expecting 'subscribe' to be present";
    const info = (call.subscribe as ProtoMessage).framework_info as ProtoMessage;
    const infoId = (info.id as ProtoMessage | undefined)?.value;
    if (Object.hasOwn(call, 'framework_id') && (call.framework_id as ProtoMessage).value !== infoId) {
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    }
    return undefined;
  }
  if (!Object.hasOwn(call, 'framework_id')) return "Expecting 'framework_id' to be present";
  const part = REQUIRED_PART[type];
  if (part !== undefined && !Object.hasOwn(call, part)) return `Expecting '${part}' to be present`;
  return undefined;
}

/** The core command for a validated call (read as the unversioned Call: same field numbers outside SUBSCRIBE). */
function toCommand(bytes: Uint8Array, type: string, from: { kind: 'http'; stream_id: string }): Command | undefined {
  const v0 = types().v0Call;
  const c = toCoreObject(decodeWithType(v0, bytes), v0) as Record<string, Record<string, unknown> | undefined>;
  const framework_id = c.framework_id as unknown as { value: string };
  const base = { framework_id, from };
  const part = (name: string): Record<string, unknown> => c[name] ?? {};
  switch (type) {
    case 'TEARDOWN':
      return { type: 'TEARDOWN', ...base };
    case 'ACCEPT': {
      const accept = part('accept');
      return {
        type: 'ACCEPT',
        ...base,
        offer_ids: (accept.offer_ids ?? []) as { value: string }[],
        operations: (accept.operations ?? []) as never[],
        ...(accept.filters === undefined ? {} : { filters: accept.filters as { refuse_seconds?: number } }),
      };
    }
    case 'DECLINE': {
      const decline = part('decline');
      return {
        type: 'DECLINE',
        ...base,
        offer_ids: (decline.offer_ids ?? []) as { value: string }[],
        ...(decline.filters === undefined ? {} : { filters: decline.filters as { refuse_seconds?: number } }),
      };
    }
    case 'REVIVE':
      return { type: 'REVIVE', ...base, roles: (part('revive').roles ?? []) as string[] };
    case 'SUPPRESS':
      return { type: 'SUPPRESS', ...base, roles: (part('suppress').roles ?? []) as string[] };
    case 'KILL':
      return { type: 'KILL', ...base, ...(part('kill') as { task_id: { value: string } }) };
    case 'SHUTDOWN':
      return {
        type: 'SHUTDOWN',
        ...base,
        ...(part('shutdown') as { slave_id: { value: string }; executor_id: { value: string } }),
      };
    case 'ACKNOWLEDGE':
      return {
        type: 'ACKNOWLEDGE',
        ...base,
        ...(part('acknowledge') as { slave_id: { value: string }; task_id: { value: string }; uuid: Uint8Array }),
      };
    case 'RECONCILE':
      return {
        type: 'RECONCILE',
        ...base,
        tasks: (part('reconcile').tasks ?? []) as { task_id: { value: string } }[],
      };
    case 'MESSAGE':
      return {
        type: 'MESSAGE',
        ...base,
        ...(part('message') as { slave_id: { value: string }; executor_id: { value: string }; data: Uint8Array }),
      };
    case 'REQUEST':
      return { type: 'REQUEST', ...base, requests: (part('request').requests ?? []) as never[] };
    default:
      return undefined;
  }
}
