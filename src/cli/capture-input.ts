import { open } from 'node:fs/promises';
import { isMesosWireError } from '../errors.ts';
import { AutoCaptureReader, detectCaptureFormat } from '../pcap/detect.ts';
import { CaptureSessionDecoder, type CaptureSessionOptions } from '../pipeline/decode-sessions.ts';
import type { DecodedEvent } from '../pipeline/events.ts';
import { type CliContext, ioMessage } from './context.ts';

/** Inputs at least this large get a progress bar on stderr (when stderr is a terminal). */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;
/** Bytes read from disk at a time: small enough that the first records print quickly. */
const READ_CHUNK_BYTES = 256 * 1024;
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
 * Reads a pcap/pcapng file through the session pipeline, calling `onEvent` for each event and awaiting `flush`
 * after each piece of the file (so output streams and memory stays flat). Shows a progress bar on stderr when it
 * is a TTY and the file has at least `progressMinBytes` (64 MiB; NO_PROGRESS in the environment turns it off).
 * Never throws for bad input or I/O: the outcome says what happened.
 */
export async function readCaptureEvents(
  file: string,
  ctx: CliContext,
  onEvent: (event: DecodedEvent) => void,
  flush: () => Promise<void>,
  options: CaptureSessionOptions = {},
  progressMinBytes = PROGRESS_MIN_BYTES,
): Promise<CaptureReadOutcome> {
  let handle: Awaited<ReturnType<typeof open>>;
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
  const decoder = new CaptureSessionDecoder(onEvent, options);
  const reader = new AutoCaptureReader();
  const push = (packet: Parameters<CaptureSessionDecoder['push']>[0]) => decoder.push(packet);
  let bytes = 0;
  try {
    for (;;) {
      let bytesRead: number;
      let buffer: Uint8Array;
      try {
        ({ bytesRead, buffer } = await handle.read(new Uint8Array(READ_CHUNK_BYTES), 0, READ_CHUNK_BYTES, bytes));
      } catch (error) {
        decoder.end();
        await flush();
        return { kind: 'io-error', message: ioMessage(error) };
      }
      if (bytesRead === 0) break;
      bytes += bytesRead;
      reader.write(bytesRead === READ_CHUNK_BYTES ? buffer : buffer.subarray(0, bytesRead), push);
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
  } finally {
    await handle.close();
  }
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
