/**
 * `/api/v1` on the mock master: the master operator API (wire-protocol.md §4.6). GET_* calls answer 200 with a
 * `mesos.v1.master.Response` in the negotiated encoding; SUBSCRIBE answers a RecordIO event stream (SUBSCRIBED with
 * the whole state, HEARTBEAT at once and every interval, then the core's operator events). Frameworks of both
 * protocols appear, since they share the core.
 */
import { getHeader } from '../../http/index.ts';
import type { ProtoMessage } from '../../proto/decode.ts';
import { encodeRecord } from '../../recordio/index.ts';
import type { ResponseStream, RouteReply, RouteRequest, RouteResponse } from '../../transport/index.ts';
import type { MasterSimulation, OperatorEvent } from '../core/index.ts';
import {
  evolve,
  getAgentsObject,
  getExecutorsObject,
  getFrameworksObject,
  getRolesObject,
  getStateObject,
  getTasksObject,
  operatorEventObject,
  requireType,
  v1Types,
} from './convert.ts';
import { negotiateContentType, type V1ContentType } from './media.ts';
import {
  checkMasterState,
  isResponse,
  type Leadership,
  notAcceptable,
  parseCallBody,
  textResponse,
} from './request.ts';

/** Options of `OperatorApi`. */
export interface OperatorApiOptions {
  leadership: () => Leadership;
  /** HEARTBEAT interval of operator event streams, in real time (default 15 s, as Mesos). */
  heartbeatIntervalMs?: number;
  /** What GET_FLAGS lists (default: a few flags describing the mock). */
  flags?: Readonly<Record<string, string>>;
}

interface OperatorStream {
  readonly out: ResponseStream;
  readonly contentType: V1ContentType;
  heartbeat: ReturnType<typeof setTimeout> | undefined;
}

/** Sub-message a call type must carry (`validation::master::call::validate`), for the calls the mock serves. */
const REQUIRED_PART: Readonly<Record<string, string>> = {
  TEARDOWN: 'teardown',
  MARK_AGENT_GONE: 'mark_agent_gone',
  GET_METRICS: 'get_metrics',
  SET_LOGGING_LEVEL: 'set_logging_level',
  LIST_FILES: 'list_files',
  READ_FILE: 'read_file',
};

/** The master operator API. Create through `mountV1Apis`. */
export class OperatorApi {
  readonly #simulation: MasterSimulation;
  readonly #options: OperatorApiOptions;
  readonly #streams = new Set<OperatorStream>();
  readonly #unsubscribe: () => void;
  readonly #callType = requireType('mesos.v1.master.Call');

  constructor(simulation: MasterSimulation, options: OperatorApiOptions) {
    this.#simulation = simulation;
    this.#options = options;
    this.#unsubscribe = simulation.onOperatorEvent((event) => this.#onEvent(event));
  }

  /** Number of open SUBSCRIBE streams. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** Forgets streams whose client went away. */
  sweep(): void {
    for (const stream of [...this.#streams]) if (stream.out.closed) this.#drop(stream);
  }

  /** Ends every stream and stops listening to the core. */
  close(): void {
    this.#unsubscribe();
    for (const stream of [...this.#streams]) this.#drop(stream);
  }

  /** The route handler. */
  handle(request: RouteRequest, reply: RouteReply): RouteResponse | undefined {
    const early = checkMasterState(request, this.#options.leadership());
    if (early !== undefined) return early;
    const parsed = parseCallBody(request, this.#callType);
    if (isResponse(parsed)) return parsed;
    const call = parsed.message;
    if (!Object.hasOwn(call, 'type')) {
      return textResponse(400, "Failed to validate master::Call: Expecting 'type' to be present");
    }
    const type = (this.#callType.lookupEnum('Type').valuesById[call.type as number] as string | undefined) ?? 'UNKNOWN';
    const part = REQUIRED_PART[type];
    if (part !== undefined && !Object.hasOwn(call, part)) {
      return textResponse(400, `Failed to validate master::Call: Expecting '${part}' to be present`);
    }
    const accept = negotiateContentType(getHeader(request, 'Accept'));
    if (accept === undefined) return notAcceptable();
    if (type === 'SUBSCRIBE') {
      this.#subscribe(accept, reply);
      return undefined;
    }
    return this.#answer(type, call, accept);
  }

  #answer(type: string, call: ProtoMessage, accept: V1ContentType): RouteResponse {
    const snapshot = this.#simulation.snapshot();
    const info = snapshot.master_info;
    const ok = (response: Record<string, unknown>): RouteResponse => ({
      status: 200,
      headers: [['Content-Type', accept]],
      body: evolve({ type, ...response }, v1Types().operatorResponse, accept),
    });
    switch (type) {
      case 'GET_HEALTH':
        return ok({ get_health: { healthy: true } });
      case 'GET_VERSION':
        return ok({ get_version: { version_info: { version: info.version ?? '', build_user: 'mesos-wire' } } });
      case 'GET_FLAGS':
        return ok({
          get_flags: { flags: Object.entries(this.#flags()).map(([name, value]) => ({ name, value })) },
        });
      case 'GET_METRICS':
        return ok({ get_metrics: { metrics: [] } });
      case 'GET_LOGGING_LEVEL':
        return ok({ get_logging_level: { level: 0 } });
      case 'GET_STATE':
        return ok({ get_state: getStateObject(snapshot) });
      case 'GET_AGENTS':
        return ok({ get_agents: getAgentsObject(snapshot) });
      case 'GET_FRAMEWORKS':
        return ok({ get_frameworks: getFrameworksObject(snapshot) });
      case 'GET_EXECUTORS':
        return ok({ get_executors: getExecutorsObject(snapshot) });
      case 'GET_TASKS':
        return ok({ get_tasks: getTasksObject(snapshot) });
      case 'GET_ROLES':
        return ok({ get_roles: getRolesObject(snapshot) });
      case 'GET_WEIGHTS':
        return ok({ get_weights: {} });
      case 'GET_OPERATIONS':
        return ok({ get_operations: {} });
      case 'GET_MASTER':
        return ok({
          get_master: {
            master_info: info,
            start_time: snapshot.start_time / 1000,
            elected_time: snapshot.start_time / 1000,
          },
        });
      case 'TEARDOWN': {
        const id = ((call.teardown as ProtoMessage).framework_id as ProtoMessage).value as string;
        const result = this.#simulation.execute({ type: 'TEARDOWN', framework_id: { value: id } });
        if (result.ok) return textResponse(200);
        if (result.reason === 'FRAMEWORK_NOT_FOUND') return textResponse(400, 'No framework found with specified ID');
        // Mesos tears disconnected frameworks down too; the simulation core only removes them on failover timeout.
        return textResponse(500, `The mock master cannot tear down framework ${id}: ${result.message}`);
      }
      case 'MARK_AGENT_GONE': {
        const id = ((call.mark_agent_gone as ProtoMessage).agent_id as ProtoMessage).value as string;
        if (!this.#simulation.removeAgent(id, 'gone')) return textResponse(404, `Agent '${id}' not found`);
        return textResponse(200);
      }
      case 'UNKNOWN':
        return textResponse(501);
      default:
        // Known to Mesos but not simulated by the mock (maintenance, quota, volumes, files, ...).
        return textResponse(501, `The mock master does not implement ${type}`);
    }
  }

  #flags(): Record<string, string> {
    if (this.#options.flags !== undefined) return { ...this.#options.flags };
    const info = this.#simulation.masterInfo;
    return {
      authenticate_frameworks: 'false',
      authenticate_http_frameworks: 'false',
      hostname: info.hostname ?? '',
      ip: info.address?.ip ?? '',
      port: String(info.port),
      version: info.version ?? '',
    };
  }

  #subscribe(contentType: V1ContentType, reply: RouteReply): void {
    const out = reply.stream(200, [['Content-Type', contentType]]);
    const stream: OperatorStream = { out, contentType, heartbeat: undefined };
    this.#streams.add(stream);
    // The client's socket closing (or its FIN) ends the stream at once, not at the next write.
    out.onClose(() => this.#drop(stream));
    const intervalMs = this.#options.heartbeatIntervalMs ?? 15_000;
    const subscribed = {
      type: 'SUBSCRIBED',
      subscribed: {
        get_state: getStateObject(this.#simulation.snapshot()),
        heartbeat_interval_seconds: intervalMs / 1000,
      },
    };
    this.#write(stream, evolve(subscribed, v1Types().operatorEvent, contentType));
    // Real time, like Mesos's heartbeater (not the simulation clock, which may be advanced by hand or in bursts).
    const beat = (): void => {
      stream.heartbeat = undefined;
      if (!this.#streams.has(stream)) return;
      if (!this.#write(stream, this.#heartbeat(contentType))) return;
      stream.heartbeat = setTimeout(beat, intervalMs);
      stream.heartbeat.unref();
    };
    beat();
  }

  #heartbeat(contentType: V1ContentType): Uint8Array {
    return evolve({ type: 'HEARTBEAT' }, v1Types().operatorEvent, contentType);
  }

  #onEvent(event: OperatorEvent): void {
    if (this.#streams.size === 0) return;
    const version = this.#simulation.masterInfo.version ?? '';
    const object = operatorEventObject(event, version);
    const encoded = new Map<V1ContentType, Uint8Array>();
    for (const stream of [...this.#streams]) {
      let bytes = encoded.get(stream.contentType);
      if (bytes === undefined) {
        bytes = evolve(object, v1Types().operatorEvent, stream.contentType);
        encoded.set(stream.contentType, bytes);
      }
      this.#write(stream, bytes);
    }
  }

  #write(stream: OperatorStream, record: Uint8Array): boolean {
    if (stream.out.write(encodeRecord(record))) return true;
    this.#drop(stream);
    return false;
  }

  #drop(stream: OperatorStream): void {
    if (!this.#streams.delete(stream)) return;
    if (stream.heartbeat !== undefined) clearTimeout(stream.heartbeat);
    // Releases a half-closed connection (a no-op when the socket is already gone).
    stream.out.end();
  }
}
