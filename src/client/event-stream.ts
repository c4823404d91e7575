/**
 * Reads a v1 event stream (RecordIO records in a chunked response body) as typed events, watching heartbeats:
 * when nothing arrives within `lossFactor` heartbeat intervals the stream is aborted with
 * MW_CLIENT_HEARTBEAT_LOST. RecordIO framing is independent of the HTTP chunks (proxies re-chunk), so the
 * project's push decoder is fed whatever pieces arrive.
 */
import { mwError } from '../errors.ts';
import type { PbType } from '../proto/schema.ts';
import { RecordIoDecoder } from '../recordio/index.ts';
import { decodeBody, type V1Codec } from './codec.ts';
import type { PlainMessage } from './plain.ts';

/** Options of `readEventStream`. */
export interface EventStreamOptions {
  codec: V1Codec;
  /** The event type (`mesos.v1.scheduler.Event`, `mesos.v1.master.Event`). */
  type: PbType;
  /** Aborts the request whose body is read (the watchdog aborts through it). */
  abort: (reason: Error) => void;
  /** Heartbeat interval assumed until an event says otherwise, in seconds (Mesos: 15). */
  heartbeatIntervalSeconds: number;
  /** Missed intervals tolerated (the k of "k x heartbeat interval"). */
  lossFactor: number;
  /** Largest record accepted (default: the decoder's, 64 MiB). */
  maxRecordBytes?: number;
}

/** The state a reader exposes: the heartbeat interval in force (SUBSCRIBED events carry it). */
export interface EventStreamReader extends AsyncIterable<PlainMessage> {
  heartbeatIntervalSeconds: number;
}

/** The `heartbeat_interval_seconds` of a SUBSCRIBED event, if it is one. */
function subscribedInterval(event: PlainMessage): number | undefined {
  const subscribed = event.subscribed as PlainMessage | undefined;
  const seconds = subscribed?.heartbeat_interval_seconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : undefined;
}

/** See the file comment. */
export function readEventStream(body: AsyncIterable<Uint8Array>, options: EventStreamOptions): EventStreamReader {
  const reader: EventStreamReader = {
    heartbeatIntervalSeconds: options.heartbeatIntervalSeconds,
    async *[Symbol.asyncIterator]() {
      const decoder = new RecordIoDecoder(
        options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes },
      );
      let lost: Error | undefined;
      let lastEventAt = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let immediate: ReturnType<typeof setImmediate> | undefined;
      const limitMs = (): number => reader.heartbeatIntervalSeconds * options.lossFactor * 1000;
      // The verdict waits for the check phase: after an event-loop stall the timer phase runs before pending
      // socket data is read, and that data must count.
      const check = (): void => {
        immediate = undefined;
        const idle = performance.now() - lastEventAt;
        if (idle < limitMs()) {
          schedule(limitMs() - idle);
          return;
        }
        const seconds = limitMs() / 1000;
        lost = mwError(
          'MW_CLIENT_HEARTBEAT_LOST',
          `no event within ${seconds} s (${options.lossFactor} x heartbeat interval ` +
            `${reader.heartbeatIntervalSeconds} s); offset ${decoder.offset}`,
          { offset: decoder.offset },
        );
        options.abort(lost);
      };
      const schedule = (ms: number): void => {
        timer = setTimeout(() => {
          timer = undefined;
          immediate = setImmediate(check);
        }, ms);
      };
      const rearm = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
        immediate = undefined;
        schedule(limitMs());
      };
      const ready: PlainMessage[] = [];
      const onRecord = (record: Uint8Array, _offset: number, dataOffset: number): void => {
        ready.push(decodeBody(record, options.type, options.codec, dataOffset));
      };
      rearm();
      try {
        for await (const chunk of body) {
          // Events decoded before bad bytes (or a record that does not decode) still go out, then the error.
          let failure: unknown;
          try {
            decoder.write(chunk, onRecord);
          } catch (error) {
            failure = error;
          }
          if (ready.length > 0) lastEventAt = performance.now();
          while (ready.length > 0) {
            const event = ready.shift()!;
            const seconds = subscribedInterval(event);
            if (seconds !== undefined && seconds !== reader.heartbeatIntervalSeconds) {
              reader.heartbeatIntervalSeconds = seconds;
              rearm();
            }
            yield event;
          }
          if (failure !== undefined) throw failure;
        }
        decoder.end();
      } catch (error) {
        throw lost ?? error;
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
      }
      if (lost !== undefined) throw lost;
    },
  };
  return reader;
}
