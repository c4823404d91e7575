import type { HttpRequestMessage } from '../http/index.ts';
import type { ClassifiedMessage, Upid } from '../libprocess/index.ts';
import type { ConnectionInfo } from './connection-info.ts';

/** A libprocess message received by an endpoint. */
export interface InboundMessage {
  /** Sender as Mesos parses it (the empty UPID when the header does not parse). */
  readonly from: Upid;
  /** The sender text as sent, and the header it came from. */
  readonly fromText: string;
  /** False when Mesos could not parse `fromText` and fell back to the empty UPID. */
  readonly fromValid: boolean;
  readonly fromSource: 'Libprocess-From' | 'User-Agent';
  /** Receiver id (percent-decoded first path segment). */
  readonly to: string;
  readonly name: string;
  /**
   * The body bytes (aliases the received socket data; copy it to keep it past the handler if you mutate). With
   * transientMessages, valid only while the message is handed out: reading it later throws MW_HTTP_INPUT_RELEASED.
   */
  readonly body: Uint8Array;
  /** Absolute offsets on the connection: first byte of the request, and just after its last byte. */
  readonly offset: number;
  readonly end: number;
  /** Absolute offset of the first body byte (after the chunk-size line when chunked); undefined without body. */
  readonly bodyOffset: number | undefined;
  /** True when a process with id `to` exists here (the 202 case); false for the 404 case. */
  readonly accepted: boolean;
  /** The HTTP status this endpoint answered with, or undefined when its era does not answer this sender. */
  readonly status: 202 | 404 | undefined;
  readonly connection: ConnectionInfo;
  /** The decoded request (headers, framing, chunk sizes); with transientMessages, as transient as `body`. */
  readonly request: HttpRequestMessage;
}

/** Handles the messages of one process id. Errors thrown here are reported as `'handler-error'`. */
export type MessageHandler = (message: InboundMessage) => void;

/**
 * Test hook (mocks): how a message is answered when the era answers it: `'send'` (as usual), `'drop'` (no response;
 * later responses still go out in order) or a delay in ms before the response is written (later responses wait).
 */
export type AnswerHook = (message: InboundMessage) => 'send' | 'drop' | number;

/**
 * The InboundMessage an endpoint hands out: the classification and the request are kept, and the fields read
 * from them on access (one small object per message instead of a copy of every field).
 */
export class ReceivedMessage implements InboundMessage {
  readonly bodyOffset: number | undefined;
  readonly accepted: boolean;
  readonly status: 202 | 404 | undefined;
  readonly connection: ConnectionInfo;
  readonly request: HttpRequestMessage;
  readonly #classified: ClassifiedMessage;
  /** The gunzipped body, or undefined when the body is the request's own (read from it on access). */
  readonly #gunzipped: Uint8Array | undefined;

  constructor(
    request: HttpRequestMessage,
    classified: ClassifiedMessage,
    gunzipped: Uint8Array | undefined,
    bodyOffset: number | undefined,
    accepted: boolean,
    status: 202 | 404 | undefined,
    connection: ConnectionInfo,
  ) {
    this.request = request;
    this.#classified = classified;
    this.#gunzipped = gunzipped;
    this.bodyOffset = bodyOffset;
    this.accepted = accepted;
    this.status = status;
    this.connection = connection;
  }

  get body(): Uint8Array {
    return this.#gunzipped ?? this.request.body;
  }
  get from(): Upid {
    return this.#classified.from;
  }
  get fromText(): string {
    return this.#classified.fromText;
  }
  get fromValid(): boolean {
    return this.#classified.fromValid;
  }
  get fromSource(): 'Libprocess-From' | 'User-Agent' {
    return this.#classified.fromSource;
  }
  get to(): string {
    return this.#classified.to;
  }
  get name(): string {
    return this.#classified.name;
  }
  get offset(): number {
    return this.request.offset;
  }
  get end(): number {
    return this.request.end;
  }

  /** Every field as a plain object (what JSON.stringify shows). */
  toJSON(): Record<string, unknown> {
    return {
      from: this.from,
      fromText: this.fromText,
      fromValid: this.fromValid,
      fromSource: this.fromSource,
      to: this.to,
      name: this.name,
      body: this.body,
      offset: this.offset,
      end: this.end,
      bodyOffset: this.bodyOffset,
      accepted: this.accepted,
      status: this.status,
      connection: this.connection,
      request: this.request,
    };
  }
}
