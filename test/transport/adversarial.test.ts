/**
 * Behaviours found by probing the live endpoint the way a demanding peer would (real sockets on 127.0.0.1:0): the
 * end of a connection a request asks for (wire-protocol.md §2.1, §4.7, §6.3 ClosingRequest), trailers (§2.1, §2.6)
 * and closing the endpoint twice.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import type { MesosWireError } from '../../src/errors.ts';
import type { InboundMessage } from '../../src/transport/endpoint.ts';
import { cat } from '../helpers/bytes.ts';
import { closeOpened, testEndpoint, track } from './sockets.ts';

afterEach(closeOpened);

/** A raw client: what the endpoint answered, and a promise settled when the endpoint ended the connection. */
async function rawClient(port: number): Promise<{ socket: net.Socket; received: () => string; ended: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.on('error', () => {});
  const ended = new Promise<void>((resolve) => {
    socket.on('end', () => resolve());
    socket.on('close', () => resolve());
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  track({ close: () => socket.destroy() });
  return { socket, received: () => Buffer.concat(chunks).toString('latin1'), ended };
}

function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

/** A message to `master` without body; `head` adds header lines, `version` is the request line's. */
function message(name: string, head = '', version = '1.1'): Uint8Array {
  return cat(
    `POST /master/mesos.internal.${name} HTTP/${version}\r\n`,
    'Libprocess-From: sender@127.0.0.1:1\r\n',
    head,
    'Content-Length: 0\r\n\r\n',
  );
}

describe('LibprocessEndpoint: requests without keep-alive (§2.1, §6.3 ClosingRequest)', () => {
  it('HTTP/1.1 Connection: close: answered, then the connection ends; a request pipelined after it is not served', {
    timeout: 5000,
  }, async () => {
    const e = await testEndpoint();
    const got: string[] = [];
    e.register('master', (m: InboundMessage) => got.push(m.name));
    const client = await rawClient(e.address.port);
    client.socket.write(cat(message('A'), message('B', 'Connection: close\r\n'), message('C')));
    await client.ended;
    assert.deepEqual(statuses(client.received()), [202, 202]);
    assert.deepEqual(got, ['mesos.internal.A', 'mesos.internal.B']);
  });

  it('the close token is found case-insensitively in a list (cOnnEctIon: foo, CLOSE)', { timeout: 5000 }, async () => {
    const e = await testEndpoint();
    e.register('master');
    const client = await rawClient(e.address.port);
    client.socket.write(message('A', 'cOnnEctIon: foo, CLOSE\r\n'));
    await client.ended;
    assert.deepEqual(statuses(client.received()), [202]);
  });

  it('HTTP/1.0 without keep-alive: answered, then the connection ends', { timeout: 5000 }, async () => {
    const e = await testEndpoint();
    e.register('master');
    const client = await rawClient(e.address.port);
    client.socket.write(message('A', '', '1.0'));
    await client.ended;
    assert.deepEqual(statuses(client.received()), [202]);
  });

  it('HTTP/1.0 with Connection: keep-alive (any case) stays open for the next request', { timeout: 5000 }, async () => {
    const e = await testEndpoint();
    const got: string[] = [];
    e.register('master', (m: InboundMessage) => got.push(m.name));
    const client = await rawClient(e.address.port);
    client.socket.write(message('A', 'Connection: keep-ALIVE\r\n', '1.0'));
    await until(() => statuses(client.received()).length === 1);
    client.socket.write(message('B', 'Connection: Keep-Alive\r\n', '1.0'));
    await until(() => statuses(client.received()).length === 2);
    assert.deepEqual(got, ['mesos.internal.A', 'mesos.internal.B']);
    // Still open: a third request on it is answered too.
    client.socket.write(message('C', 'Connection: close\r\n'));
    await client.ended;
    assert.deepEqual(statuses(client.received()), [202, 202, 202]);
  });

  it('a closing route request behind a pending streamed answer: every answer in order, then the end', {
    timeout: 5000,
  }, async () => {
    const e = await testEndpoint();
    e.register('master');
    let stream: { write(p: string): boolean; end(): void } | undefined;
    e.router.get('/stream', (_req, reply) => {
      stream = reply.stream(200, [['Content-Type', 'text/plain']]);
      return undefined;
    });
    e.router.get('/last', () => ({ status: 200, body: 'last' }));
    const client = await rawClient(e.address.port);
    client.socket.write(
      cat(
        'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n',
        message('A'),
        'GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        message('B'),
      ),
    );
    await until(() => stream !== undefined);
    stream!.write('x');
    stream!.end();
    await client.ended;
    assert.deepEqual(statuses(client.received()), [200, 202, 200]);
    assert.match(client.received(), /\r\n\r\nlast$/);
  });

  it('bytes after the closing request are ignored, even when they are not HTTP (no connection error)', {
    timeout: 5000,
  }, async () => {
    const e = await testEndpoint();
    e.register('master');
    const errors: MesosWireError[] = [];
    e.on('connection-error', ({ error }) => errors.push(error));
    const client = await rawClient(e.address.port);
    client.socket.write(cat(message('A', 'Connection: close\r\n'), 'NOT HTTP AT ALL\r\n\r\n'));
    await client.ended;
    assert.deepEqual(statuses(client.received()), [202]);
    assert.deepEqual(errors, []);
  });
});

describe('LibprocessEndpoint: trailers (§2.1, §2.6)', () => {
  it('a chunked message with a trailer field fails the connection at the trailer, without delivery or answer', {
    timeout: 5000,
  }, async () => {
    const e = await testEndpoint();
    const got: string[] = [];
    e.register('master', (m: InboundMessage) => got.push(m.name));
    const errors: MesosWireError[] = [];
    e.on('connection-error', ({ error }) => errors.push(error));
    const client = await rawClient(e.address.port);
    const first = message('A');
    const withTrailer = cat(
      'POST /master/mesos.internal.B HTTP/1.1\r\n',
      'Libprocess-From: sender@127.0.0.1:1\r\n',
      'Transfer-Encoding: chunked\r\n\r\n',
      '1\r\nx\r\n0\r\n',
    );
    client.socket.write(cat(first, withTrailer, 'X-Trailer: 1\r\n\r\n'));
    await client.ended;
    // The message before it was answered; the one with the trailer was not delivered.
    assert.deepEqual(statuses(client.received()), [202]);
    assert.deepEqual(got, ['mesos.internal.A']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'MW_HTTP_TRAILERS_REJECTED');
    assert.equal(errors[0]!.offset, first.length + withTrailer.length);
  });
});

describe('LibprocessEndpoint: a malformed percent-escape in the query (§2.1, §2.6)', () => {
  it('fails the connection without an answer, for messages and routes; earlier requests are answered', {
    timeout: 5000,
  }, async () => {
    const e = await testEndpoint();
    const got: string[] = [];
    e.register('master', (m: InboundMessage) => got.push(m.name));
    e.router.get('/health', () => ({ status: 200, body: 'ok' }));
    const errors: MesosWireError[] = [];
    e.on('connection-error', ({ error }) => errors.push(error));
    // A well-formed query is fine (the receiver id and name come from the path only).
    const good = cat(
      'POST /master/mesos.internal.A?k=%41+b&x HTTP/1.1\r\n',
      'Libprocess-From: sender@127.0.0.1:1\r\n',
      'Content-Length: 0\r\n\r\n',
    );
    const bad = cat(
      'POST /master/mesos.internal.B?k=v&x=%zz HTTP/1.1\r\n',
      'Libprocess-From: sender@127.0.0.1:1\r\n',
      'Content-Length: 0\r\n\r\n',
    );
    const client = await rawClient(e.address.port);
    client.socket.write(cat(good, bad, message('C')));
    await client.ended;
    assert.deepEqual(statuses(client.received()), [202]);
    assert.deepEqual(got, ['mesos.internal.A']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'MW_LIBPROCESS_BAD_QUERY');
    // The offset of the bad `%` in the connection's byte stream.
    assert.equal(errors[0]!.offset, good.length + 'POST /master/mesos.internal.B?k=v&x='.length);

    const route = await rawClient(e.address.port);
    route.socket.write('GET /health?%4 HTTP/1.1\r\nHost: x\r\n\r\n');
    await route.ended;
    assert.equal(route.received(), '');
    assert.equal(errors.length, 2);
    assert.equal(errors[1]!.code, 'MW_LIBPROCESS_BAD_QUERY');
    assert.equal(errors[1]!.offset, 'GET /health?'.length);
  });
});

describe('LibprocessEndpoint.close', () => {
  it('a second close() while the first is flushing resolves with the same report, not at once with nothing', {
    timeout: 5000,
  }, async () => {
    // A peer that reads but never answers: the first close waits for the answer until its deadline.
    const mute = net.createServer((socket) => {
      socket.on('data', () => {});
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', () => resolve()));
    track({ close: () => new Promise((resolve) => mute.close(resolve)) });
    const port = (mute.address() as net.AddressInfo).port;
    const e = await testEndpoint();
    await e.send({ to: `master@127.0.0.1:${port}`, name: 'x' });
    let firstDone = false;
    const first = e.close(200).then((report) => {
      firstDone = true;
      return report;
    });
    const second = await e.close(200);
    assert.equal(firstDone, true, 'the second close settled before the first');
    assert.deepEqual(second, await first);
    assert.deepEqual(second, { unsent: 0, unanswered: 1 });
  });
});

/** Waits (polling) until `condition` holds; the test's own timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
