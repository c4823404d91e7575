import type { DecodeEvent } from '../events.ts';
import { bodyJson, stringifyEventJson, type TextSink, typedBodyOf, typedName, writeEventJson } from './body.ts';

/**
 * The ndjson/json object of an event. Field names are a stable contract (never rename, only add):
 * message `{type, offset, from, to, name, framing, chunks, bodyLength, body, ...}`, response
 * `{type, offset, status, ...}`, request `{type, ...}`, record `{type, offset, length, ...}`,
 * error `{type, code, offset, message}`. Added by typed decoding: `typeName` (the body's protobuf
 * type or null) on messages, requests, responses and records; `encoding` (`json`/`protobuf`) of typed
 * bodies; responses carrying a RecordIO stream have `stream: "recordio"` (body, chunks and end are
 * then null, records follow, each with `response`: the response's offset) and are closed by a
 * `{type: "stream-end", offset, end, framing, chunks, bodyLength, records}` event.
 */
export function eventJson(event: DecodeEvent): Record<string, unknown> {
  const out = eventFields(event);
  if (event.type !== 'record' && event.type !== 'error' && event.trailers.length > 0) {
    out.trailers = event.trailers.map((h) => ({ name: h.name, value: h.value }));
  }
  return out;
}

/** `chunkCount` when a message had more chunks than `chunks` lists (see MAX_LISTED_CHUNKS); nothing otherwise. */
function chunkCountField(event: { chunkCount?: number | undefined }): { chunkCount?: number } {
  return event.chunkCount === undefined ? {} : { chunkCount: event.chunkCount };
}

function eventFields(event: DecodeEvent): Record<string, unknown> {
  switch (event.type) {
    case 'message':
      return {
        type: 'message',
        offset: event.offset,
        from: event.from,
        to: event.to,
        name: event.name,
        framing: event.framing,
        chunks: event.chunks,
        ...chunkCountField(event),
        bodyLength: event.body.length,
        body: bodyJson(event),
        ...typeFields(event),
        bodyHex: hexOf(event.body),
        end: event.end,
        version: event.version,
        fromSource: event.fromSource,
        fromText: event.fromText,
        fromValid: event.fromValid,
        style: event.style,
      };
    case 'request': {
      const out: Record<string, unknown> = {
        type: 'request',
        offset: event.offset,
        method: event.method,
        target: event.target,
        framing: event.framing,
        chunks: event.chunks,
        ...chunkCountField(event),
        bodyLength: event.body.length,
        body: bodyJson(event),
        ...typeFields(event),
        bodyHex: hexOf(event.body),
        end: event.end,
        version: event.version,
        headers: event.headers.map((h) => ({ name: h.name, value: h.value })),
      };
      if (event.rejected !== undefined) out.rejected = event.rejected;
      return out;
    }
    case 'response': {
      const streaming = event.stream !== undefined;
      const out: Record<string, unknown> = {
        type: 'response',
        offset: event.offset,
        status: event.status,
        reason: event.reason,
        framing: event.framing,
        chunks: streaming ? null : event.chunks,
        ...(streaming ? {} : chunkCountField(event)),
        bodyLength: streaming ? null : event.body.length,
        body: streaming ? null : bodyJson(event),
        ...(streaming ? { typeName: null } : typeFields(event)),
        bodyHex: streaming ? null : hexOf(event.body),
        end: streaming ? null : event.end,
        version: event.version,
        headers: event.headers.map((h) => ({ name: h.name, value: h.value })),
      };
      if (streaming) out.stream = event.stream;
      if (event.request !== undefined) out.request = event.request;
      return out;
    }
    case 'record': {
      const out: Record<string, unknown> = {
        type: 'record',
        offset: event.offset,
        length: event.length,
        body: bodyJson(event),
        ...typeFields(event),
        bodyHex: hexOf(event.body),
        dataOffset: event.dataOffset,
      };
      if (event.response !== undefined) out.response = event.response;
      return out;
    }
    case 'stream-end':
      return {
        type: 'stream-end',
        offset: event.offset,
        end: event.end,
        framing: event.framing,
        chunks: event.chunks,
        ...chunkCountField(event),
        bodyLength: event.bodyLength,
        records: event.records,
      };
    case 'error':
      return { type: 'error', code: event.code, offset: event.offset ?? null, message: event.message };
  }
}

/** Lowercase hex of a body (`bodyHex`), by Node's native encoder: several times faster than building it in JS. */
function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** `typeName` (and `encoding` for typed messages) of an event's body. */
function typeFields(event: Exclude<DecodeEvent, { type: 'error' } | { type: 'stream-end' }>): Record<string, unknown> {
  const typed = typedBodyOf(event);
  return typed.kind === 'message'
    ? { typeName: typed.typeName, encoding: typed.encoding }
    : { typeName: typedName(typed) };
}

/** Turns events into output text, one call per event plus a final one. */
export interface EventWriter<E = DecodeEvent> {
  write(event: E): string;
  /** `write`'s text handed to `sink` in pieces, where a writer can do that without joining them first. */
  writeTo?(event: E, sink: TextSink): void;
  finish(): string;
}

/** Adds an event's text to `sink`: through `writeTo` when the writer has it. */
export function writeEvent<E>(writer: EventWriter<E>, event: E, sink: TextSink): void {
  if (writer.writeTo !== undefined) writer.writeTo(event, sink);
  else sink.add(writer.write(event));
}

/** One JSON object per line; `toJson` gives an event's object (raw-stream events by default, or capture events). */
export class NdjsonWriter<E = DecodeEvent> implements EventWriter<E> {
  readonly #toJson: (event: E) => Record<string, unknown>;
  constructor(toJson: (event: E) => Record<string, unknown> = eventJson as (event: E) => Record<string, unknown>) {
    this.#toJson = toJson;
  }
  write(event: E): string {
    return `${stringifyEventJson(this.#toJson(event))}\n`;
  }
  writeTo(event: E, sink: TextSink): void {
    writeEventJson(this.#toJson(event), sink);
    sink.add('\n');
  }
  finish(): string {
    return '';
  }
}

/** One JSON array, written incrementally (an element per line). */
export class JsonArrayWriter<E = DecodeEvent> implements EventWriter<E> {
  readonly #toJson: (event: E) => Record<string, unknown>;
  private count = 0;
  constructor(toJson: (event: E) => Record<string, unknown> = eventJson as (event: E) => Record<string, unknown>) {
    this.#toJson = toJson;
  }
  write(event: E): string {
    const prefix = this.count++ === 0 ? '[\n' : ',\n';
    return `${prefix}${stringifyEventJson(this.#toJson(event))}`;
  }
  finish(): string {
    return this.count === 0 ? '[]\n' : '\n]\n';
  }
}
