import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { isMesosWireError } from '../errors.ts';
import { AutoCaptureReader, CAPTURE_MAGIC_LENGTH, detectCaptureFormat } from '../pcap/detect.ts';
import { READ_CHUNK_BYTES_DEFAULT } from '../pcap/read-file.ts';
import { CaptureSessionDecoder, type CaptureSessionOptions } from '../pipeline/decode-sessions.ts';
import type { DecodedEvent } from '../pipeline/events.ts';
import { type CliContext, ioMessage } from './context.ts';

/** Inputs at least this large get a progress bar on stderr (when stderr is a terminal). */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;
const PROGRESS_WIDTH = 30;

/** How reading a capture ended. */
export type CaptureReadOutcome =
  | { kind: 'ok'; packets: number; bytes: number }
  /** The file could not be read (missing, permissions): nothing or part of it was decoded. */
  | { kind: 'io-error'; message: string }
  /** The capture file itself is corrupt (MW_PCAP_*); everything before was decoded. */
  | { kind: 'format-error'; code: string; offset: number | undefined; message: string };

/** A progress bar on stderr, redrawn at most every 1% (only for a TTY). */
class ProgressBar {
  private readonly stream: CliContext['stderr'];
  private readonly total: number;
  private shown = -1;

  constructor(stream: CliContext['stderr'], total: number) {
    this.stream = stream;
    this.total = total;
  }

  update(done: number): void {
    const percent = Math.floor((done * 100) / this.total);
    if (percent === this.shown) return;
    this.shown = percent;
    const filled = Math.round((percent * PROGRESS_WIDTH) / 100);
    const mib = (n: number) => (n / 1048576).toFixed(0);
    this.stream.write(
      `\r[${'#'.repeat(filled)}${' '.repeat(PROGRESS_WIDTH - filled)}] ${percent}% ${mib(done)}/${mib(this.total)} MiB`,
    );
  }

  clear(): void {
    this.stream.write(`\r${' '.repeat(PROGRESS_WIDTH + 30)}\r`);
  }
}

/**
 * Reads a pcap/pcapng file (or standard input for `-`) through the session pipeline, calling `onEvent` for each
 * event and awaiting `flush` after each piece of the input (so output streams and memory stays flat). Shows a
 * progress bar on stderr when it is a TTY and the file has at least `progressMinBytes` (64 MiB; NO_PROGRESS in the
 * environment turns it off). Never throws for bad input or I/O: the outcome says what happened.
 */
export async function readCaptureEvents(
  file: string,
  ctx: CliContext,
  onEvent: (event: DecodedEvent) => void,
  flush: () => Promise<void>,
  options: CaptureSessionOptions = {},
  progressMinBytes = PROGRESS_MIN_BYTES,
): Promise<CaptureReadOutcome> {
  if (file === '-') {
    const chunks = (ctx.stdin as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    return decodeCaptureChunks(chunks, undefined, onEvent, flush, options);
  }
  let handle: FileHandle;
  let size: number;
  try {
    handle = await open(file, 'r');
    size = (await handle.stat()).size;
  } catch (error) {
    return { kind: 'io-error', message: ioMessage(error) };
  }
  const progress =
    ctx.stderr.isTTY === true && size >= progressMinBytes && ctx.env.NO_PROGRESS === undefined
      ? new ProgressBar(ctx.stderr, size)
      : undefined;
  try {
    return await decodeCaptureChunks(fileChunks(handle), progress, onEvent, flush, options);
  } finally {
    await handle.close();
  }
}

/** The file from its start, READ_CHUNK_BYTES_DEFAULT at a time, each in a fresh buffer (decoded bodies may be views). */
async function* fileChunks(handle: FileHandle): AsyncGenerator<Uint8Array> {
  for (let position = 0; ; ) {
    const size = READ_CHUNK_BYTES_DEFAULT;
    const { bytesRead, buffer } = await handle.read(new Uint8Array(size), 0, size, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield bytesRead === size ? buffer : buffer.subarray(0, bytesRead);
  }
}

/** Feeds chunks of a capture to the pipeline until they end, an I/O error or a capture format error. */
async function decodeCaptureChunks(
  chunks: AsyncIterator<Uint8Array>,
  progress: ProgressBar | undefined,
  onEvent: (event: DecodedEvent) => void,
  flush: () => Promise<void>,
  options: CaptureSessionOptions,
): Promise<CaptureReadOutcome> {
  const decoder = new CaptureSessionDecoder(onEvent, options);
  // The decoder keeps refs, never the packets: the reader may reuse its packet object.
  const reader = new AutoCaptureReader({ transientPackets: true });
  const push = (packet: Parameters<CaptureSessionDecoder['push']>[0]) => decoder.push(packet);
  let bytes = 0;
  try {
    for (;;) {
      let step: IteratorResult<Uint8Array>;
      try {
        step = await chunks.next();
      } catch (error) {
        decoder.end();
        await flush();
        return { kind: 'io-error', message: ioMessage(error) };
      }
      if (step.done === true) break;
      bytes += step.value.length;
      reader.write(step.value, push);
      progress?.update(bytes);
      await flush();
    }
    reader.end();
    decoder.end();
    progress?.clear();
    await flush();
    return { kind: 'ok', packets: reader.packets, bytes };
  } catch (error) {
    if (!isMesosWireError(error)) throw error;
    progress?.clear();
    decoder.end();
    await flush();
    return { kind: 'format-error', code: error.code, offset: error.offset, message: error.message };
  }
}

/** What a stream starts with, and the same stream from its first byte (the bytes looked at are not lost). */
export interface SniffedStream {
  /** `raw` for anything that is not a capture, including an input shorter than a capture magic. */
  format: 'pcap' | 'pcapng' | 'raw';
  stream: Readable;
}

/**
 * Looks at the first bytes of a stream (standard input) to tell a pcap/pcapng capture from a raw byte stream, as
 * `sniffCaptureFile` does for a file. The returned stream yields every chunk, those read to decide included; a read
 * error while looking is raised by the returned stream, after the chunks read before it.
 */
export async function sniffCaptureStream(input: Readable): Promise<SniffedStream> {
  const chunks = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let length = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  try {
    while (length < CAPTURE_MAGIC_LENGTH) {
      const step = await chunks.next();
      if (step.done === true) {
        ended = true;
        break;
      }
      head.push(step.value);
      length += step.value.length;
    }
  } catch (error) {
    failure = { error };
  }
  const magic = new Uint8Array(Math.min(length, CAPTURE_MAGIC_LENGTH));
  for (let at = 0, i = 0; at < magic.length; i++) {
    const piece = head[i]!.subarray(0, magic.length - at);
    magic.set(piece, at);
    at += piece.length;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    yield* head;
    if (failure !== undefined) throw failure.error;
    if (ended) return;
    for (;;) {
      const step = await chunks.next();
      if (step.done === true) return;
      yield step.value;
    }
  }
  return { format: detectCaptureFormat(magic), stream: Readable.from(replay()) };
}

/** Is the file a pcap/pcapng capture (by its first bytes)? undefined when it cannot be read. */
export async function sniffCaptureFile(file: string): Promise<'pcap' | 'pcapng' | 'raw' | undefined> {
  try {
    const handle = await open(file, 'r');
    try {
      const head = new Uint8Array(4);
      const { bytesRead } = await handle.read(head, 0, 4, 0);
      return detectCaptureFormat(head.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * The format of a command's input by content: a file, or standard input for `-`. For standard input the returned
 * context's stdin replays the bytes looked at, so the command reads the input from its first byte either way.
 */
export async function sniffCaptureInput(
  file: string,
  ctx: CliContext,
): Promise<{ format: 'pcap' | 'pcapng' | 'raw' | undefined; ctx: CliContext }> {
  if (file !== '-') return { format: await sniffCaptureFile(file), ctx };
  const { format, stream } = await sniffCaptureStream(ctx.stdin);
  return { format, ctx: { ...ctx, stdin: stream } };
}
