/**
 * Raw-socket helpers for the transport tests: servers on 127.0.0.1:0 that record what they receive, and
 * fixed-size stand-in frames (the transport's connection layer is byte-agnostic, so these tests do not need the
 * HTTP codec).
 */
import net from 'node:net';
import { LibprocessEndpoint, type LibprocessEndpointOptions } from '../../src/transport/endpoint.ts';

/** A recording server: every accepted socket and every byte it received. */
export interface RawServer {
  readonly server: net.Server;
  readonly port: number;
  readonly sockets: net.Socket[];
  received(): Buffer;
  close(): Promise<void>;
}

/** Everything the helpers and tests opened; `closeOpened()` (afterEach) closes it even after a failed assertion. */
const opened: { close(): unknown }[] = [];

/** Registers something to close after the current test. */
export function track<T extends { close(): unknown } | { destroy(): unknown }>(thing: T): T {
  opened.push('close' in thing ? thing : { close: () => (thing as { destroy(): unknown }).destroy() });
  return thing;
}

/** Closes everything registered (call from afterEach). */
export async function closeOpened(): Promise<void> {
  for (const thing of opened.splice(0).reverse()) await thing.close();
}

/** An endpoint on 127.0.0.1:0 with fast reconnects (5-20 ms), closed after the test (see closeOpened). */
export async function testEndpoint(options: LibprocessEndpointOptions = {}): Promise<LibprocessEndpoint> {
  const endpoint = await LibprocessEndpoint.listen({ outbound: { backoff: { initialMs: 5, maxMs: 20 } }, ...options });
  track({ close: () => endpoint.close(500) });
  return endpoint;
}

/** Listens on 127.0.0.1 (port 0 unless `port` is given) and runs `onSocket` for every connection. */
export async function rawServer(
  onSocket: (socket: net.Socket, all: RawServer) => void = () => {},
  port = 0,
): Promise<RawServer> {
  const chunks: Buffer[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer();
  const handle: RawServer = {
    server,
    port: 0,
    sockets,
    received: () => Buffer.concat(chunks),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
    onSocket(socket, handle);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  (handle as { port: number }).port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = handle.close;
  // Idempotent: tests close their servers, and afterEach closes whatever is left.
  (handle as { close: () => Promise<void> }).close = () => (closing ??= close());
  track(handle);
  return handle;
}

export const ACCEPTED = Buffer.from('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n', 'latin1');

/** Answers one ACCEPTED per `frameSize` bytes received, like a libprocess receiver answering each message. */
export function answerEveryFrame(frameSize: number): (socket: net.Socket) => void {
  return (socket) => {
    let pending = 0;
    socket.on('data', (chunk) => {
      pending += chunk.length;
      const whole = Math.floor(pending / frameSize);
      pending -= whole * frameSize;
      if (whole > 0) socket.write(Buffer.concat(Array.from({ length: whole }, () => ACCEPTED)));
    });
  };
}

/** A fixed-size frame carrying a sequence number (decimal, zero-padded) and filler. */
export function frame(sequence: number, size = 32): Uint8Array {
  const text = `#${String(sequence).padStart(9, '0')}`.padEnd(size, '.');
  return Buffer.from(text, 'latin1');
}

/** The sequence numbers of consecutive frames in `bytes`. */
export function frameSequence(bytes: Buffer, size = 32): number[] {
  const out: number[] = [];
  for (let at = 0; at + size <= bytes.length; at += size)
    out.push(Number(bytes.subarray(at + 1, at + 10).toString('latin1')));
  return out;
}

/**
 * A stand-in response reader (tests only): counts `HTTP/1.1 NNN ` status lines. Real code uses the project's
 * HttpDecoder.
 */
export function statusLineReader(onResponse: (status: number, count: number) => void): {
  write(b: Uint8Array): void;
  end(): void;
} {
  let text = '';
  return {
    write(bytes) {
      text += Buffer.from(bytes).toString('latin1');
      for (;;) {
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = Number(text.slice(9, 12));
        text = text.slice(end + 4);
        onResponse(status, 1);
      }
    },
    end() {},
  };
}

/**
 * As statusLineReader, but the statuses of one write are reported in runs of equal statuses, `count` at a time (as
 * the repeat-aware reader reports repeated answers).
 */
export function statusRunReader(onResponse: (status: number, count: number) => void): {
  write(b: Uint8Array): void;
  end(): void;
} {
  let status = 0;
  let count = 0;
  const lines = statusLineReader((next) => {
    if (count > 0 && next !== status) onResponse(status, count);
    if (next !== status || count === 0) count = 0;
    status = next;
    count++;
  });
  return {
    write(bytes) {
      lines.write(bytes);
      if (count > 0) onResponse(status, count);
      count = 0;
    },
    end() {},
  };
}

/** Resolves when `condition()` holds (polled every 5 ms); rejects after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A port that was free a moment ago (bound, then released). */
export async function freePort(): Promise<number> {
  const s = await rawServer();
  await s.close();
  return s.port;
}
