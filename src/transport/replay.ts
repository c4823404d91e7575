import { isMesosWireError, type MesosWireError, mwError } from '../errors.ts';
import { HttpDecoder, type HttpMessage } from '../http/index.ts';
import { classifyRequest, formatUpid, makeUpid, parseUpid, type Upid } from '../libprocess/index.ts';
import type { CaptureTimestamp } from '../pcap/timestamp.ts';
import { decodeCaptureFile } from '../pipeline/decode-capture.ts';
import type { InboundMessage, LibprocessEndpoint } from './endpoint.ts';

/** One libprocess message taken from a capture, ready to be sent again. */
export interface CapturedMessage {
  readonly name: string;
  /** Sender as Mesos parses it (the empty UPID when it does not parse). */
  readonly from: Upid;
  /** Receiver id. */
  readonly to: string;
  readonly body: Uint8Array;
  /** Absolute offset of the request in its capture stream. */
  readonly offset: number;
  /** Capture time in seconds, when the capture has timestamps (pcap); undefined for raw streams. */
  readonly time?: number | undefined;
  /** `source>destination` addresses of the TCP direction that carried it (captures only). */
  readonly stream?: string | undefined;
}

/** Messages of a raw byte stream and the framing errors skipped on the way. */
export interface ExtractedMessages {
  readonly messages: CapturedMessage[];
  /** Framing errors; after each, decoding resumed at the next plausible message start. */
  readonly errors: MesosWireError[];
}

/**
 * The libprocess messages of a raw stream (the bytes one side of a connection sent, as `decode` reads them).
 * Responses and plain HTTP requests are skipped; a framing error is recorded and decoding resumes (explicit
 * `resync`) at the next message start.
 */
export function messagesFromRawStream(bytes: Uint8Array): ExtractedMessages {
  const messages: CapturedMessage[] = [];
  const errors: MesosWireError[] = [];
  const decoder = new HttpDecoder({
    onMessage: (message: HttpMessage) => {
      if (message.kind !== 'request') return;
      const classified = classifyRequest(message);
      if (classified.kind !== 'message') return;
      messages.push({
        name: classified.name,
        from: classified.from,
        to: classified.to,
        // The decoder's views alias `bytes`, which the caller keeps; copy so later edits to it do not leak in.
        body: message.body.slice(),
        offset: message.offset,
      });
    },
  });
  // A framing error is recorded, then resync() skips to the next plausible message start and decodes on from
  // there (it may fail again, further on).
  const attempt = (step: () => void): boolean => {
    try {
      step();
      return true;
    } catch (error) {
      if (!isMesosWireError(error)) throw error;
      errors.push(error);
      return false;
    }
  };
  let ok = attempt(() => decoder.write(bytes));
  while (!ok) ok = attempt(() => decoder.resync());
  attempt(() => decoder.end());
  return { messages, errors };
}

/** Messages of a pcap/pcapng capture and the diagnostics (TCP gaps, HTTP errors) met on the way. */
export interface CaptureMessages {
  readonly messages: CapturedMessage[];
  /** One line per diagnostic the capture pipeline reported (`kind` and what it says). */
  readonly diagnostics: string[];
}

/**
 * The libprocess messages of a pcap or pcapng file, in capture order (by the packet that completed each), with
 * the capture time of their first packet, through the capture pipeline (TCP reassembly, HTTP per direction).
 * A file cut off inside a record gives the messages before the cut, with MW_PCAP_TRUNCATED as the last diagnostic;
 * other capture-format errors (MW_PCAP_*) are thrown.
 */
export async function messagesFromCaptureFile(path: string): Promise<CaptureMessages> {
  const messages: CapturedMessage[] = [];
  const diagnostics: string[] = [];
  try {
    await readCaptureMessages(path, messages, diagnostics);
  } catch (error) {
    // A capture cut off inside its last record (tcpdump stopped mid-write) still holds the messages before the cut.
    if (!isMesosWireError(error) || error.code !== 'MW_PCAP_TRUNCATED') throw error;
    diagnostics.push(`${error.code} at file offset ${error.offset}: ${error.message}`);
  }
  return { messages, diagnostics };
}

async function readCaptureMessages(path: string, messages: CapturedMessage[], diagnostics: string[]): Promise<void> {
  await decodeCaptureFile(path, (event) => {
    if (event.kind === 'diagnostic') {
      diagnostics.push(
        `${event.diagnostic.kind}${'frame' in event.diagnostic ? ` (frame ${event.diagnostic.frame})` : ''}`,
      );
      return;
    }
    if (event.kind !== 'http-message' || event.message.kind !== 'request') return;
    const classified = classifyRequest(event.message);
    if (classified.kind !== 'message') return;
    messages.push({
      name: classified.name,
      from: classified.from,
      to: classified.to,
      body: event.message.body.slice(),
      offset: event.message.offset,
      time: event.packet.timestamp.known ? secondsOf(event.packet.timestamp) : undefined,
      stream: event.stream,
    });
  });
}

function secondsOf(timestamp: CaptureTimestamp): number {
  return Number(timestamp.seconds) + timestamp.nanos / 1e9;
}

/** Options of `replayMessages`. */
export interface ReplayOptions {
  /** Where to send: an address, and optionally the receiver id to use instead of each message's own. */
  readonly target: { readonly host: string; readonly port: number; readonly id?: string | undefined };
  /**
   * Explicit sender rewrites, by UPID text. Senders without an entry keep their id and get the replayer's own
   * address, so that replies come back to it.
   */
  readonly rewriteFrom?: ReadonlyMap<string, string>;
  /** Only messages whose name passes (default: all). */
  readonly filter?: (message: CapturedMessage) => boolean;
  /** Scale of the original timing (2 = twice as fast). Used when messages have times and no `rate` is given. */
  readonly speed?: number;
  /** Fixed rate in messages per second (overrides the capture's timing). */
  readonly rate?: number;
  /** Wait for each message's HTTP answer (default true); false for peers of eras that never answer. */
  readonly awaitAnswers?: boolean;
  /** How long to keep listening for replies after the last answer, in ms. Default 500. */
  readonly settleMs?: number;
  /**
   * How long to wait for the answers still missing once the last message was sent, in ms; those not answered by
   * then are reported `failed` with MW_TRANSPORT_TIMEOUT (a peer that reads but never answers). Default 5000.
   */
  readonly answerTimeoutMs?: number;
  /** Called for every message as it is sent and when it is answered. */
  readonly onProgress?: (event: ReplayEvent) => void;
}

/** Progress of a replay, one per step. */
export type ReplayEvent =
  | {
      readonly kind: 'sent';
      readonly index: number;
      readonly message: CapturedMessage;
      readonly from: Upid;
      readonly to: Upid;
    }
  | { readonly kind: 'answered'; readonly index: number; readonly status: number }
  | { readonly kind: 'failed'; readonly index: number; readonly error: MesosWireError }
  | { readonly kind: 'came-back'; readonly message: InboundMessage };

/** What a replay did. */
export interface ReplayReport {
  /** Messages in the capture that passed the filter. */
  readonly selected: number;
  /** Messages written to the peer. */
  readonly sent: number;
  /** Answered 2xx (0 when answers are not awaited). */
  readonly accepted: number;
  /** Answered with another status (404, 400, 500...). */
  readonly refused: number;
  /** Not delivered or not answered (connection failures). */
  readonly failed: number;
  /** Messages the peer sent back to the replayer while it ran. */
  readonly cameBack: number;
  readonly statuses: ReadonlyMap<number, number>;
}

/** Compiles a shell-style glob (`*`, `?`) over message names. */
export function nameGlob(glob: string): (name: string) => boolean {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}

/** Parses `OLD=NEW` (two UPIDs) for `rewriteFrom`. Throws MW_INVALID_ARGUMENT or the UPID errors. */
export function parseRewrite(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq < 0) throw mwError('MW_INVALID_ARGUMENT', `rewrite "${text}" is not OLD=NEW`);
  return [formatUpid(parseUpid(text.slice(0, eq))), formatUpid(parseUpid(text.slice(eq + 1)))];
}

/**
 * Sends captured messages again through `endpoint`, in order, with their original timing scaled by `speed` (or at
 * `rate`), and waits for every answer. Senders are rewritten to the endpoint's address (or by `rewriteFrom`), so
 * the peer's replies come back to the endpoint; those are counted as `cameBack`.
 */
export async function replayMessages(
  endpoint: LibprocessEndpoint,
  messages: readonly CapturedMessage[],
  options: ReplayOptions,
): Promise<ReplayReport> {
  const selected = options.filter === undefined ? messages : messages.filter(options.filter);
  const statuses = new Map<number, number>();
  let sent = 0;
  let accepted = 0;
  let refused = 0;
  let failed = 0;
  let cameBack = 0;
  const onMessage = (message: InboundMessage): void => {
    cameBack++;
    options.onProgress?.({ kind: 'came-back', message });
  };
  endpoint.on('message', onMessage);
  const answers: Promise<void>[] = [];
  // The callbacks of the messages sent, to fail those still unanswered at the answer deadline.
  const settles: ((error: MesosWireError) => void)[] = [];
  const awaitResponse = options.awaitAnswers !== false;
  const started = performance.now();
  const firstTime = selected.find((m) => m.time !== undefined)?.time;
  try {
    for (let index = 0; index < selected.length; index++) {
      const message = selected[index]!;
      const due = dueAt(index, message, firstTime, options);
      // A timer may fire early by however long the event loop's cached clock was stale when it was set: wait again
      // for what is left, so that no message leaves before its time.
      for (let wait = started + due - performance.now(); wait > 0; wait = started + due - performance.now()) {
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
      }
      let from: Upid;
      let to: Upid;
      try {
        from = rewriteSender(message.from, endpoint, options.rewriteFrom);
        to = makeUpid(options.target.id ?? message.to, options.target.host, options.target.port);
      } catch (error) {
        // An id from the capture that cannot be written into a UPID: report it, go on with the rest.
        failed++;
        options.onProgress?.({ kind: 'failed', index, error: asMesosWireError(error) });
        continue;
      }
      const outbound = { to, from, name: message.name, body: message.body };
      let resolve: () => void = () => {};
      const answer = new Promise<void>((r) => {
        resolve = r;
      });
      let settled = false;
      const done = (error: MesosWireError | undefined, receipt?: { status?: number }): void => {
        // Once: a message failed at the deadline may still be answered or rejected by the close later.
        if (settled) return;
        settled = true;
        if (error !== undefined) {
          failed++;
          options.onProgress?.({ kind: 'failed', index, error });
        } else if (receipt?.status !== undefined) {
          const status = receipt.status;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 200 && status < 300) accepted++;
          else refused++;
          options.onProgress?.({ kind: 'answered', index, status });
        }
        resolve();
      };
      try {
        // A full queue takes nothing (and calls nothing): wait for room, so that the order is kept.
        while (!endpoint.write(outbound, done, { awaitResponse })) await endpoint.whenWritable(to);
      } catch (error) {
        // A name that cannot go into a request line, or a message larger than the whole queue.
        done(asMesosWireError(error));
        continue;
      }
      sent++;
      options.onProgress?.({ kind: 'sent', index, message, from, to });
      answers.push(answer);
      settles.push(done);
    }
    const timeoutMs = options.answerTimeoutMs ?? 5000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, 'timeout');
    });
    const outcome = await Promise.race([Promise.all(answers), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const error = mwError(
        'MW_TRANSPORT_TIMEOUT',
        `no answer within ${timeoutMs} ms after the last message was sent (Mesos before 1.4 does not answer ` +
          'libprocess senders: awaitAnswers false, --no-answers in the CLI)',
      );
      for (const settle of settles) settle(error);
    }
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 500));
  } finally {
    endpoint.off('message', onMessage);
  }
  return { selected: selected.length, sent, accepted, refused, failed, cameBack, statuses };
}

function asMesosWireError(error: unknown): MesosWireError {
  return isMesosWireError(error) ? error : mwError('MW_INTERNAL', String(error), { cause: error });
}

/** Milliseconds after the start at which message `index` is due. */
function dueAt(index: number, message: CapturedMessage, firstTime: number | undefined, options: ReplayOptions): number {
  if (options.rate !== undefined && options.rate > 0) return (index * 1000) / options.rate;
  if (message.time === undefined || firstTime === undefined) return 0;
  const speed = options.speed !== undefined && options.speed > 0 ? options.speed : 1;
  return ((message.time - firstTime) * 1000) / speed;
}

function rewriteSender(
  from: Upid,
  endpoint: LibprocessEndpoint,
  rewrites: ReadonlyMap<string, string> | undefined,
): Upid {
  const explicit = rewrites?.get(formatUpid(from));
  if (explicit !== undefined) return parseUpid(explicit);
  return endpoint.upid(from.id);
}
