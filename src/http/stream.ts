/**
 * Adapters from byte streams to HttpDecoder events: an async generator and a Node Transform. They hold no parsing
 * logic: each written chunk goes to one HttpDecoder and its events are passed on in order.
 */

import { Transform, type TransformCallback } from 'node:stream';
import { HttpDecoder, type HttpDecoderOptions } from './decoder.ts';
import type { HttpHead, HttpMessage } from './types.ts';

/** One decoder event, as yielded by decodeHttpStream and pushed by HttpDecodeStream. */
export type HttpDecodeEvent =
  | { readonly type: 'head'; readonly head: HttpHead }
  | { readonly type: 'chunk'; readonly head: HttpHead; readonly size: number; readonly offset: number }
  | { readonly type: 'body'; readonly head: HttpHead; readonly piece: Uint8Array; readonly offset: number }
  | { readonly type: 'message'; readonly message: HttpMessage };

/** Options of the adapters: the decoder's, plus which events to pass on (default: messages only). */
export interface HttpDecodeStreamOptions extends HttpDecoderOptions {
  /** Event types to pass on; default `['message']`. */
  events?: readonly HttpDecodeEvent['type'][];
}

function eventDecoder(options: HttpDecodeStreamOptions, out: HttpDecodeEvent[]): HttpDecoder {
  const wanted = new Set(options.events ?? ['message']);
  return new HttpDecoder(
    {
      onHead: wanted.has('head') ? (head) => out.push({ type: 'head', head }) : undefined,
      onChunk: wanted.has('chunk')
        ? (head, size, offset) => out.push({ type: 'chunk', head, size, offset })
        : undefined,
      onBody: wanted.has('body') ? (head, piece, offset) => out.push({ type: 'body', head, piece, offset }) : undefined,
      onMessage: wanted.has('message') ? (message) => out.push({ type: 'message', message }) : undefined,
    },
    options,
  );
}

/**
 * Decode a byte stream (for example a socket or `fs.createReadStream`) into events. Everything decoded before an error
 * is yielded first; then the generator throws the decoder's MesosWireError. At the end of the source the decoder's
 * end() runs (an until-close body completes; a message cut short throws MW_HTTP_TRUNCATED).
 */
export async function* decodeHttpStream(
  source: AsyncIterable<Uint8Array>,
  options: HttpDecodeStreamOptions = {},
): AsyncGenerator<HttpDecodeEvent, void, undefined> {
  const pending: HttpDecodeEvent[] = [];
  const decoder = eventDecoder(options, pending);
  for await (const chunk of source) {
    let failure: unknown;
    try {
      decoder.write(chunk);
    } catch (e) {
      failure = e;
    }
    yield* drain(pending);
    if (failure !== undefined) throw failure;
  }
  let failure: unknown;
  try {
    decoder.end();
  } catch (e) {
    failure = e;
  }
  yield* drain(pending);
  if (failure !== undefined) throw failure;
}

function* drain(pending: HttpDecodeEvent[]): Generator<HttpDecodeEvent> {
  // Copy first: the consumer may resume the generator that refills `pending`.
  const events = pending.splice(0, pending.length);
  yield* events;
}

/**
 * A Node Transform: bytes in, HttpDecodeEvent objects out (readable side in object mode). A decode error is emitted
 * as the stream's error after the events decoded before it.
 */
export class HttpDecodeStream extends Transform {
  readonly #decoder: HttpDecoder;
  readonly #pending: HttpDecodeEvent[] = [];
  /** A decode error held back until the events before it have been read. */
  #failure: { error: Error; callback: TransformCallback } | undefined;

  constructor(options: HttpDecodeStreamOptions = {}) {
    super({ readableObjectMode: true });
    this.#decoder = eventDecoder(options, this.#pending);
  }

  /** The underlying decoder (offset, error, resync). */
  get decoder(): HttpDecoder {
    return this.#decoder;
  }

  override _transform(chunk: Uint8Array, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#step(() => this.#decoder.write(chunk), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#step(() => this.#decoder.end(), callback);
  }

  #step(action: () => void, callback: TransformCallback): void {
    let failure: Error | undefined;
    try {
      action();
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
    }
    for (const event of this.#pending.splice(0, this.#pending.length)) this.push(event);
    // Erroring now would destroy the stream and drop the events still buffered on the readable side.
    if (failure !== undefined && this.readableLength > 0) this.#failure = { error: failure, callback };
    else callback(failure);
  }

  // Reads are how the buffered events leave (async iteration, 'data', pipe all call read()): once the last one before
  // a held-back error is out, raise the error.
  // biome-ignore lint/suspicious/noExplicitAny: same signature as Readable.read
  override read(size?: number): any {
    const event = super.read(size);
    const failure = this.#failure;
    if (failure !== undefined && this.readableLength === 0) {
      this.#failure = undefined;
      process.nextTick(failure.callback, failure.error);
    }
    return event;
  }
}
