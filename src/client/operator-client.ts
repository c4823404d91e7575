/**
 * A v1 master operator API client over undici (wire-protocol.md §4.6): typed calls answered with
 * `mesos.v1.master.Response`, and the SUBSCRIBE event stream as an async iterator (heartbeat loss detected).
 */
import { isMesosWireError, mwError } from '../errors.ts';
import { decodeBody, encodeBody, mediaTypeOf, type V1Codec, v1Type } from './codec.ts';
import { readEventStream } from './event-stream.ts';
import {
  expectEventStream,
  headerValue,
  MasterConnection,
  type MasterConnectionOptions,
  readBody,
  statusError,
} from './master-connection.ts';
import type { PlainMessage } from './plain.ts';

/** `mesos.v1.master.Event.type` names. */
export type OperatorEventType =
  | 'UNKNOWN'
  | 'SUBSCRIBED'
  | 'TASK_ADDED'
  | 'TASK_UPDATED'
  | 'AGENT_ADDED'
  | 'AGENT_REMOVED'
  | 'FRAMEWORK_ADDED'
  | 'FRAMEWORK_UPDATED'
  | 'FRAMEWORK_REMOVED'
  | 'HEARTBEAT';

/** A `mesos.v1.master.Event` as a plain object; the sub-message named after the type is present. */
export interface OperatorEvent extends PlainMessage {
  type: OperatorEventType;
  subscribed?: { get_state?: PlainMessage; heartbeat_interval_seconds?: number };
  task_added?: { task: PlainMessage };
  task_updated?: { framework_id: { value: string }; status: PlainMessage; state: string };
  agent_added?: { agent: PlainMessage };
  agent_removed?: { agent_id: { value: string } };
  framework_added?: { framework: PlainMessage };
  framework_updated?: { framework: PlainMessage };
  framework_removed?: { framework_info: PlainMessage };
}

/** A `mesos.v1.master.Response` as a plain object (`type` plus the sub-message named after it). */
export type OperatorResponse = PlainMessage & { type?: string };

/** A `mesos.v1.master.Call` as a plain object. */
export type OperatorCall = PlainMessage & { type: string };

/** Options of `OperatorClient`. */
export interface OperatorClientOptions extends MasterConnectionOptions {
  /** `http://host:port` of a master. */
  master: string;
  /** Body encoding (default json). */
  codec?: V1Codec;
  /** k: the event stream counts as lost after k heartbeat intervals without an event (default 2). */
  heartbeatLossFactor?: number;
  /** API path (default `/api/v1`). */
  path?: string;
}

/** See the file comment. */
export class OperatorClient {
  readonly codec: V1Codec;
  readonly #connection: MasterConnection;
  readonly #options: OperatorClientOptions;
  readonly #callType = v1Type('mesos.v1.master.Call');
  readonly #responseType = v1Type('mesos.v1.master.Response');
  readonly #eventType = v1Type('mesos.v1.master.Event');
  readonly #aborts = new Set<AbortController>();

  constructor(options: OperatorClientOptions) {
    this.#options = options;
    this.codec = options.codec ?? 'json';
    this.#connection = new MasterConnection(options.master, options);
  }

  /** The master requests go to (the leader after redirects). */
  get masterUrl(): URL {
    return this.#connection.url;
  }

  /**
   * Sends a call: a type name (`'GET_STATE'`) or a whole call. Resolves with the decoded Response, or undefined
   * for an empty 2xx answer (mutating calls). Rejects with MW_CLIENT_HTTP_STATUS on other statuses.
   */
  async call(call: string | OperatorCall): Promise<OperatorResponse | undefined> {
    const plain: OperatorCall = typeof call === 'string' ? { type: call } : call;
    if (plain.type === 'SUBSCRIBE') throw mwError('MW_INVALID_ARGUMENT', 'use subscribe() for SUBSCRIBE');
    const media = mediaTypeOf(this.codec);
    const response = await this.#connection.post(
      this.#options.path ?? '/api/v1',
      encodeBody(plain, this.#callType, this.codec),
      { 'content-type': media, accept: media },
    );
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw await statusError(response, `${plain.type} answered`);
    }
    const body = await readBody(response.body);
    if (body.length === 0) return undefined;
    const contentType = headerValue(response.headers, 'content-type');
    if (contentType !== media) {
      throw mwError('MW_CLIENT_PROTOCOL', `response Content-Type is ${contentType ?? 'missing'}, expected ${media}`);
    }
    return decodeBody(body, this.#responseType, this.codec) as OperatorResponse;
  }

  /** GET_HEALTH: `{ healthy }`. */
  async getHealth(): Promise<{ healthy: boolean }> {
    return this.#part('GET_HEALTH', 'get_health') as Promise<{ healthy: boolean }>;
  }

  /** GET_VERSION: `{ version_info }`. */
  async getVersion(): Promise<PlainMessage> {
    return this.#part('GET_VERSION', 'get_version');
  }

  /** GET_FLAGS: `{ flags: [{ name, value }] }`. */
  async getFlags(): Promise<PlainMessage> {
    return this.#part('GET_FLAGS', 'get_flags');
  }

  /** GET_STATE: `{ get_tasks, get_executors, get_frameworks, get_agents }`. */
  async getState(): Promise<PlainMessage> {
    return this.#part('GET_STATE', 'get_state');
  }

  /** GET_AGENTS. */
  async getAgents(): Promise<PlainMessage> {
    return this.#part('GET_AGENTS', 'get_agents');
  }

  /** GET_FRAMEWORKS. */
  async getFrameworks(): Promise<PlainMessage> {
    return this.#part('GET_FRAMEWORKS', 'get_frameworks');
  }

  /** GET_TASKS. */
  async getTasks(): Promise<PlainMessage> {
    return this.#part('GET_TASKS', 'get_tasks');
  }

  /** GET_ROLES. */
  async getRoles(): Promise<PlainMessage> {
    return this.#part('GET_ROLES', 'get_roles');
  }

  /** GET_MASTER: `{ master_info, start_time, elected_time }`. */
  async getMaster(): Promise<PlainMessage> {
    return this.#part('GET_MASTER', 'get_master');
  }

  async #part(type: string, part: string): Promise<PlainMessage> {
    const response = await this.call(type);
    const value = response?.[part];
    if (value === undefined) throw mwError('MW_CLIENT_PROTOCOL', `${type} answer has no '${part}'`);
    return value as PlainMessage;
  }

  /**
   * SUBSCRIBE: yields SUBSCRIBED (the whole state), HEARTBEATs and the master's events until the stream ends or
   * the iterator is left. Throws MW_CLIENT_HEARTBEAT_LOST after k silent heartbeat intervals, MW_CLIENT_HTTP_STATUS
   * when the master refuses.
   */
  async *subscribe(): AsyncGenerator<OperatorEvent, void, undefined> {
    const abort = new AbortController();
    this.#aborts.add(abort);
    try {
      const media = mediaTypeOf(this.codec);
      const response = await this.#connection.post(
        this.#options.path ?? '/api/v1',
        encodeBody({ type: 'SUBSCRIBE' }, this.#callType, this.codec),
        { 'content-type': media, accept: media },
        abort.signal,
      );
      await expectEventStream(response, media);
      const events = readEventStream(response.body, {
        codec: this.codec,
        type: this.#eventType,
        abort: (reason) => abort.abort(reason),
        heartbeatIntervalSeconds: 15,
        lossFactor: this.#options.heartbeatLossFactor ?? 2,
      });
      try {
        for await (const event of events) yield event as OperatorEvent;
      } catch (error) {
        if (abort.signal.aborted && abort.signal.reason === undefined) return;
        if (isMesosWireError(error)) throw error;
        if (abort.signal.aborted && !isMesosWireError(abort.signal.reason)) return;
        throw mwError('MW_TRANSPORT_CLOSED', `the event stream broke: ${(error as Error)?.message ?? error}`, {
          cause: error,
        });
      }
    } finally {
      this.#aborts.delete(abort);
      abort.abort();
    }
  }

  /** Ends open subscriptions and closes the connections. */
  async close(): Promise<void> {
    for (const abort of this.#aborts) abort.abort();
    await this.#connection.close();
  }
}
