/**
 * Small TCP and HTTP proxies on 127.0.0.1:0 for the client tests: one that re-chunks what the master sends (byte by
 * byte or at random points, each piece its own write), one that can freeze a stream, and an HTTP proxy that records
 * whether it was used.
 */
import net from 'node:net';

/** How the master -> client direction is cut: every byte alone, or random pieces of 1..maxPiece bytes. */
export type Splitting = { kind: 'bytes' } | { kind: 'random'; maxPiece: number; seed: number };

/** A running TCP proxy. */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Pieces written towards clients so far. */
  readonly pieces: number;
  /** Stops forwarding master -> client on the open event streams (the client sees silence; calls still pass). */
  freeze(): void;
  close(): Promise<void>;
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A proxy to `127.0.0.1:upstreamPort` that re-chunks the upstream's bytes as `splitting` says. */
export async function startTcpProxy(upstreamPort: number, splitting?: Splitting): Promise<TcpProxy> {
  const random = splitting?.kind === 'random' ? mulberry32(splitting.seed) : Math.random;
  let pieces = 0;
  const frozen = new Set<net.Socket>();
  const open = new Set<net.Socket>();
  // Client sockets that carry a streaming (chunked) response: the ones freeze() silences.
  const streams = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    let queue = Promise.resolve();
    client.on('data', (data) => upstream.write(data));
    upstream.on('data', (data: Buffer) => {
      if (frozen.has(client)) return;
      if (data.includes('Transfer-Encoding: chunked')) streams.add(client);
      if (splitting === undefined) {
        pieces++;
        client.write(data);
        return;
      }
      // Each piece its own write, a macrotask apart, so the client's reads see the cuts.
      queue = queue.then(async () => {
        let at = 0;
        while (at < data.length) {
          const size =
            splitting.kind === 'bytes'
              ? 1
              : Math.max(1, Math.min(data.length - at, 1 + Math.floor(random() * splitting.maxPiece)));
          if (client.destroyed || frozen.has(client)) return;
          client.write(data.subarray(at, at + size));
          pieces++;
          at += size;
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
    });
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
      streams.delete(client);
    };
    client.on('close', closeBoth);
    upstream.on('close', () => void queue.then(closeBoth));
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get pieces() {
      return pieces;
    },
    freeze() {
      for (const socket of streams) frozen.add(socket);
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A running HTTP proxy (CONNECT tunnels and absolute-form requests) that sends everything to one upstream port. */
export interface HttpProxy {
  readonly url: string;
  /** What clients asked for: `CONNECT host:port` or `POST http://...` request lines. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Starts the recording HTTP proxy; every target is served by `127.0.0.1:upstreamPort`. */
export async function startHttpProxy(upstreamPort: number): Promise<HttpProxy> {
  const requests: string[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.once('data', (first: Buffer) => {
      const head = first.toString('latin1');
      const line = head.slice(0, head.indexOf('\r\n'));
      requests.push(line);
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      open.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      if (line.startsWith('CONNECT ')) {
        const end = head.indexOf('\r\n\r\n');
        upstream.once('connect', () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          const rest = first.subarray(end + 4);
          if (rest.length > 0) upstream.write(rest);
          client.pipe(upstream);
          upstream.pipe(client);
        });
      } else {
        upstream.write(first);
        client.pipe(upstream);
        upstream.pipe(client);
      }
    });
    client.on('close', () => open.delete(client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
