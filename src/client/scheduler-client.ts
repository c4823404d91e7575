/**
 * A v1 scheduler API client over undici (wire-protocol.md §4.4): SUBSCRIBE as an async iterator of typed events,
 * calls on separate requests carrying the `Mesos-Stream-Id`, leader redirects (307 with Mesos's protocol-relative
 * `Location`) followed, lost heartbeats detected, and re-subscription with backoff (with the framework id, so the
 * master treats it as a failover and keeps the tasks).
 */
import { EventEmitter } from 'node:events';
import { isMesosWireError, mwError } from '../errors.ts';
import { type BackoffOptions, backoffDelay } from '../transport/backoff.ts';
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

/** `mesos.v1.scheduler.Event.type` names. */
export type SchedulerEventType =
  | 'UNKNOWN'
  | 'SUBSCRIBED'
  | 'OFFERS'
  | 'INVERSE_OFFERS'
  | 'RESCIND'
  | 'RESCIND_INVERSE_OFFER'
  | 'UPDATE'
  | 'UPDATE_OPERATION_STATUS'
  | 'MESSAGE'
  | 'FAILURE'
  | 'ERROR'
  | 'HEARTBEAT';

/** `mesos.v1.FrameworkID` and the other `{ value }` ids. */
export interface V1Id {
  value: string;
}

/**
 * A `mesos.v1.scheduler.Event` as a plain object (field names as in Mesos JSON, enums by name, 64-bit integers as
 * bigint, bytes as Uint8Array). The sub-message named after the type is present for each type.
 */
export interface SchedulerEvent extends PlainMessage {
  type: SchedulerEventType;
  subscribed?: { framework_id: V1Id; heartbeat_interval_seconds?: number; master_info?: PlainMessage };
  offers?: { offers?: (PlainMessage & { id: V1Id; agent_id: V1Id; hostname: string })[] };
  inverse_offers?: { inverse_offers?: PlainMessage[] };
  rescind?: { offer_id: V1Id };
  rescind_inverse_offer?: { inverse_offer_id: V1Id };
  update?: {
    status: PlainMessage & { task_id: V1Id; state: string; uuid?: Uint8Array; agent_id?: V1Id; message?: string };
  };
  update_operation_status?: { status: PlainMessage };
  message?: { agent_id: V1Id; executor_id: V1Id; data: Uint8Array };
  failure?: { agent_id?: V1Id; executor_id?: V1Id; status?: number };
  error?: { message: string };
}

/** A `mesos.v1.scheduler.Call` as a plain object; `framework_id` is filled in when omitted. */
export type SchedulerCall = PlainMessage & { type: string };

/** Reconnection policy: backoff between attempts, and how many consecutive failures to bear. */
export interface ReconnectOptions extends BackoffOptions {
  /** Consecutive failed attempts before giving up (default unlimited). */
  maxAttempts?: number;
}

/** Options of `SchedulerClient`. */
export interface SchedulerClientOptions extends MasterConnectionOptions {
  /** `http://host:port` of a master (any: redirects lead to the leader). */
  master: string;
  /** The `mesos.v1.FrameworkInfo` to subscribe with (`user` and `name` at least). */
  frameworkInfo: PlainMessage;
  /** Roles to subscribe suppressed. */
  suppressedRoles?: string[];
  /** Body encoding (default json). */
  codec?: V1Codec;
  /** k: the stream counts as lost after k heartbeat intervals without an event (default 2). */
  heartbeatLossFactor?: number;
  /** Re-subscribe after a lost stream (default: on, backoff 100 ms doubling to 5 s); `false` to fail instead. */
  reconnect?: ReconnectOptions | false;
  /** API path (default `/api/v1/scheduler`). */
  path?: string;
}

/** The answer to a call: 202 (or 200) and the body, if any. */
export interface CallResult {
  status: number;
  body: Uint8Array;
}

const RECONNECT_DEFAULTS: ReconnectOptions = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.2 };

/** True for failures a new subscription may cure (network, stream cut, heartbeats, 503). */
function retryable(error: unknown): boolean {
  if (!isMesosWireError(error)) return true;
  switch (error.code) {
    case 'MW_CLIENT_HEARTBEAT_LOST':
    case 'MW_TRANSPORT_CONNECT':
    case 'MW_TRANSPORT_CLOSED':
      return true;
    case 'MW_CLIENT_HTTP_STATUS':
      return (error.detail as { status?: number } | undefined)?.status === 503;
    default:
      return false;
  }
}

/**
 * See the file comment. Events: `'subscribed'` ({ frameworkId, streamId }), `'disconnected'` (error),
 * `'reconnecting'` ({ attempt, delayMs }).
 */
export class SchedulerClient extends EventEmitter {
  readonly codec: V1Codec;
  readonly #connection: MasterConnection;
  readonly #options: SchedulerClientOptions;
  readonly #callType = v1Type('mesos.v1.scheduler.Call');
  readonly #eventType = v1Type('mesos.v1.scheduler.Event');
  #frameworkId: string | undefined;
  #streamId: string | undefined;
  #abort: AbortController | undefined;
  #closed = false;
  #subscribing = false;

  constructor(options: SchedulerClientOptions) {
    super();
    this.#options = options;
    this.codec = options.codec ?? 'json';
    this.#connection = new MasterConnection(options.master, options);
    const id = (options.frameworkInfo.id as V1Id | undefined)?.value;
    if (id !== undefined && id !== '') this.#frameworkId = id;
  }

  /** The framework id (known after the first SUBSCRIBED, or given in the FrameworkInfo). */
  get frameworkId(): string | undefined {
    return this.#frameworkId;
  }

  /** The `Mesos-Stream-Id` of the current subscription. */
  get streamId(): string | undefined {
    return this.#streamId;
  }

  /** The master requests go to (the leader after redirects). */
  get masterUrl(): URL {
    return this.#connection.url;
  }

  /**
   * Subscribes and yields every event. When the stream breaks (network, end of stream, heartbeats lost, 503) it
   * re-subscribes with backoff using the framework id; a new SUBSCRIBED event marks each new stream. Throws when
   * reconnecting is off or gives up, or for answers no retry can cure (400, 403, 406, 415, ...). Ends after an
   * ERROR event is followed by the end of the stream (the master removed the framework), and after `close()`.
   */
  async *subscribe(): AsyncGenerator<SchedulerEvent, void, undefined> {
    if (this.#subscribing) throw mwError('MW_INVALID_ARGUMENT', 'this client is already subscribed');
    this.#subscribing = true;
    const reconnect =
      this.#options.reconnect === false ? undefined : { ...RECONNECT_DEFAULTS, ...this.#options.reconnect };
    let failures = 0;
    try {
      while (!this.#closed) {
        let failure: unknown;
        let sawError = false;
        try {
          for await (const event of this.#session()) {
            if (event.type === 'SUBSCRIBED') failures = 0;
            if (event.type === 'ERROR') sawError = true;
            yield event;
          }
          if (sawError) return;
          failure = mwError('MW_TRANSPORT_CLOSED', 'the master ended the event stream');
        } catch (error) {
          failure = error;
        }
        this.#streamId = undefined;
        if (this.#closed) return;
        this.emit('disconnected', failure);
        if (reconnect === undefined || !retryable(failure)) throw failure;
        if (reconnect.maxAttempts !== undefined && failures >= reconnect.maxAttempts) throw failure;
        const delayMs = backoffDelay(failures, reconnect);
        failures++;
        this.emit('reconnecting', { attempt: failures, delayMs });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    } finally {
      this.#subscribing = false;
      this.#abort?.abort();
    }
  }

  /** One SUBSCRIBE request and its stream. */
  async *#session(): AsyncGenerator<SchedulerEvent, void, undefined> {
    const info: PlainMessage = { ...this.#options.frameworkInfo };
    if (this.#frameworkId !== undefined) info.id = { value: this.#frameworkId };
    const call: PlainMessage = { type: 'SUBSCRIBE', subscribe: { framework_info: info } };
    if (this.#options.suppressedRoles !== undefined) {
      (call.subscribe as PlainMessage).suppressed_roles = this.#options.suppressedRoles;
    }
    if (this.#frameworkId !== undefined) call.framework_id = { value: this.#frameworkId };
    const abort = new AbortController();
    this.#abort = abort;
    const media = mediaTypeOf(this.codec);
    const response = await this.#connection.post(
      this.#options.path ?? '/api/v1/scheduler',
      encodeBody(call, this.#callType, this.codec),
      { 'content-type': media, accept: media },
      abort.signal,
    );
    await expectEventStream(response, media);
    const streamId = headerValue(response.headers, 'mesos-stream-id');
    if (streamId === undefined) {
      await response.body.dump();
      throw mwError('MW_CLIENT_PROTOCOL', 'SUBSCRIBE answered without a Mesos-Stream-Id header');
    }
    this.#streamId = streamId;
    const events = readEventStream(response.body, {
      codec: this.codec,
      type: this.#eventType,
      abort: (reason) => abort.abort(reason),
      heartbeatIntervalSeconds: 15,
      lossFactor: this.#options.heartbeatLossFactor ?? 2,
    });
    try {
      for await (const plain of events) {
        const event = plain as SchedulerEvent;
        if (event.type === 'SUBSCRIBED' && event.subscribed !== undefined) {
          this.#frameworkId = event.subscribed.framework_id.value;
          this.emit('subscribed', { frameworkId: this.#frameworkId, streamId });
        }
        yield event;
      }
    } catch (error) {
      if (isMesosWireError(error)) throw error;
      throw mwError('MW_TRANSPORT_CLOSED', `the event stream broke: ${(error as Error)?.message ?? error}`, {
        cause: error,
      });
    } finally {
      abort.abort();
    }
  }

  /**
   * Sends a call (not SUBSCRIBE) with the current stream id; `framework_id` is added when omitted. Resolves on
   * 2xx; rejects with MW_CLIENT_HTTP_STATUS (`detail.status`, `detail.body`) otherwise.
   */
  async call(call: SchedulerCall): Promise<CallResult> {
    const body: PlainMessage = { ...call };
    if (body.framework_id === undefined && this.#frameworkId !== undefined) {
      body.framework_id = { value: this.#frameworkId };
    }
    const media = mediaTypeOf(this.codec);
    const headers: Record<string, string> = { 'content-type': media, accept: media };
    if (this.#streamId !== undefined) headers['mesos-stream-id'] = this.#streamId;
    const response = await this.#connection.post(
      this.#options.path ?? '/api/v1/scheduler',
      encodeBody(body, this.#callType, this.codec),
      headers,
    );
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw await statusError(response, `${call.type} answered`);
    }
    return { status: response.statusCode, body: await readBody(response.body) };
  }

  /** Decodes a `mesos.v1.scheduler.Response` body (RECONCILE_OPERATIONS answers, in the client's codec). */
  decodeResponse(body: Uint8Array): PlainMessage {
    return decodeBody(body, v1Type('mesos.v1.scheduler.Response'), this.codec);
  }

  /** Ends the subscription (the iterator finishes) and closes the connections. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort?.abort();
    await this.#connection.close();
  }

  /** Breaks the current stream as a network failure would (for failover tests); the client then reconnects. */
  dropStream(): void {
    this.#abort?.abort(mwError('MW_TRANSPORT_CLOSED', 'stream dropped on request'));
  }
}
