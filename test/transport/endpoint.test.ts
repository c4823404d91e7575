import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { MesosWireError } from '../../src/errors.ts';
import { encodeMessage } from '../../src/libprocess/encoder.ts';
import { formatUpid } from '../../src/libprocess/upid.ts';
import { type InboundMessage, LibprocessEndpoint } from '../../src/transport/endpoint.ts';
import { cat, hex } from '../helpers/bytes.ts';
import { closeOpened, testEndpoint, track, until } from './sockets.ts';

afterEach(closeOpened);

/** A raw client socket that records everything the endpoint answers. */
async function rawClient(port: number): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise((resolve) => socket.once('connect', resolve));
  track({ close: () => socket.destroy() });
  return { socket, received: () => Buffer.concat(chunks).toString('latin1'), closed };
}

/** Status codes of the responses in `text`, in order. */
function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

// Example C of wire-protocol.md §1.6 (empty body, 1.12-dev framing), as independent literal bytes.
const EXAMPLE_C = cat(
  'POST /slave-observer(1)/mesos.internal.PongSlaveMessage HTTP/1.1\r\n',
  'User-Agent: libprocess/slave(1)@10.0.0.2:5051\r\n',
  'Libprocess-From: slave(1)@10.0.0.2:5051\r\n',
  'Connection: Keep-Alive\r\n',
  'Host: 10.0.0.1:5050\r\n',
  '\r\n',
);
// Example B: PingSlaveMessage{connected: true}, 2-byte body in one chunk.
const EXAMPLE_B = cat(
  'POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\n',
  'User-Agent: libprocess/slave-observer(1)@10.0.0.1:5050\r\n',
  'Libprocess-From: slave-observer(1)@10.0.0.1:5050\r\n',
  'Connection: Keep-Alive\r\n',
  'Host: 10.0.0.2:5051\r\n',
  'Transfer-Encoding: chunked\r\n',
  '\r\n',
  '2\r\n',
  hex('08 01'),
  '\r\n0\r\n\r\n',
);

describe('LibprocessEndpoint inbound (>= 1.4 era)', () => {
  it('decodes pipelined messages from one write and answers 202/404 in request order', async () => {
    const e = await testEndpoint();
    const got: InboundMessage[] = [];
    e.register('slave(1)', (m) => got.push(m));
    e.register('slave-observer(1)');
    const all: InboundMessage[] = [];
    e.on('message', (m) => all.push(m));
    const client = await rawClient(e.address.port);
    const unknown = EXAMPLE_B.slice();
    const stream = cat(
      EXAMPLE_B,
      EXAMPLE_C,
      cat('POST /nobody/x HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:5\r\n\r\n'),
      unknown,
    );
    client.socket.write(stream);
    await until(() => statuses(client.received()).length === 4, 2000, 'four responses');
    assert.deepEqual(statuses(client.received()), [202, 202, 404, 202]);
    assert.match(
      client.received(),
      /^HTTP\/1\.1 202 Accepted\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\nContent-Length: 0\r\n\r\n/,
    );
    assert.match(client.received(), /HTTP\/1\.1 404 Not Found\r\n.*Content-Length: 14\r\n\r\n404 Not Found\./s);
    assert.equal(all.length, 4);
    // The 404 body is the 14 bytes libprocess writes.
    assert.deepEqual(
      all.map((m) => [m.to, m.name, formatUpid(m.from), m.accepted, m.status, m.offset, m.end]),
      [
        ['slave(1)', 'mesos.internal.PingSlaveMessage', 'slave-observer(1)@10.0.0.1:5050', true, 202, 0, 250],
        ['slave-observer(1)', 'mesos.internal.PongSlaveMessage', 'slave(1)@10.0.0.2:5051', true, 202, 250, 451],
        ['nobody', 'x', 'a@1.2.3.4:5', false, 404, 451, 451 + 57],
        ['slave(1)', 'mesos.internal.PingSlaveMessage', 'slave-observer(1)@10.0.0.1:5050', true, 202, 508, 758],
      ],
    );
    assert.equal(got.length, 2);
    assert.deepEqual([...got[0]!.body], [0x08, 0x01]);
    // The body of example B starts after the 238-byte head and the "2\r\n" size line.
    assert.equal(got[0]!.bodyOffset, 241);
    assert.equal(got[1]!.bodyOffset, 508 + 241);
    assert.equal(all[1]!.body.length, 0);
    assert.equal(all[0]!.connection.remotePort, client.socket.localPort);
    // As JSON, a message shows every field (they are read lazily from the request and its classification).
    const json = JSON.parse(JSON.stringify(all[0]));
    assert.deepEqual(Object.keys(json), [
      'from',
      'fromText',
      'fromValid',
      'fromSource',
      'to',
      'name',
      'body',
      'offset',
      'end',
      'bodyOffset',
      'accepted',
      'status',
      'connection',
      'request',
    ]);
    assert.deepEqual(
      [json.fromText, json.fromSource, json.offset, json.end],
      ['slave-observer(1)@10.0.0.1:5050', 'Libprocess-From', 0, 250],
    );
  });

  it('delivers a message fed one byte at a time', async () => {
    const e = await testEndpoint({ acceptAnyId: true });
    const got: InboundMessage[] = [];
    e.on('message', (m) => got.push(m));
    const client = await rawClient(e.address.port);
    for (const byte of EXAMPLE_B) {
      client.socket.write(Uint8Array.of(byte));
      await new Promise((r) => setImmediate(r));
    }
    await until(() => statuses(client.received()).length === 1, 2000, 'response');
    assert.equal(got.length, 1);
    assert.deepEqual([...got[0]!.body], [0x08, 0x01]);
    assert.deepEqual(statuses(client.received()), [202]);
  });

  it('answers 400 for a path without "/" and 500 for a bad escape in the receiver id', async () => {
    const e = await testEndpoint({ acceptAnyId: true });
    const client = await rawClient(e.address.port);
    client.socket.write(
      cat(
        'POST http://example.com HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:5\r\nHost: example.com\r\n\r\n',
        'POST /bad%zz/foo HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:5\r\n\r\n',
      ),
    );
    await until(() => statuses(client.received()).length === 2, 2000, 'two responses');
    assert.deepEqual(statuses(client.received()), [400, 500]);
    assert.match(client.received(), /Request URL path must start with '\/'/);
  });

  it('closes only the connection that sent garbage, after delivering what came before it', async () => {
    const e = await testEndpoint({ acceptAnyId: true });
    const got: string[] = [];
    const errors: MesosWireError[] = [];
    e.on('message', (m: InboundMessage) => got.push(`${m.connection.id}:${m.name}`));
    e.on('connection-error', ({ error }) => errors.push(error));
    const bad = await rawClient(e.address.port);
    const good = await rawClient(e.address.port);
    bad.socket.write(cat(EXAMPLE_C, 'NOT HTTP AT ALL\r\n\r\n'));
    await bad.closed;
    good.socket.write(EXAMPLE_B);
    await until(() => statuses(good.received()).length === 1, 2000, 'good response');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.code, /^MW_HTTP_/);
    // "NOT HTTP" parses as method and target; "AT" is where the version should be.
    assert.equal(errors[0]!.offset, EXAMPLE_C.length + 9);
    assert.deepEqual(got, ['1:mesos.internal.PongSlaveMessage', '2:mesos.internal.PingSlaveMessage']);
    // The garbage got no response of its own.
    assert.ok(statuses(bad.received()).length <= 1);
  });

  it('applies the decoder limits per connection (a too-large header block closes that connection)', async () => {
    const e = await testEndpoint({ acceptAnyId: true, decoder: { maxHeaderBytes: 300 } });
    const errors: MesosWireError[] = [];
    e.on('connection-error', ({ error }) => errors.push(error));
    const big = await rawClient(e.address.port);
    big.socket.write(cat('POST /a/b HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:5\r\nX-Pad: ', 'x'.repeat(400), '\r\n\r\n'));
    await big.closed;
    assert.equal(errors[0]!.code, 'MW_HTTP_HEADERS_TOO_LARGE');
    assert.equal(statuses(big.received()).length, 0);
    const small = await rawClient(e.address.port);
    small.socket.write(EXAMPLE_B);
    await until(() => statuses(small.received()).length === 1, 2000, 'answer');
  });

  it('gunzips Content-Encoding: gzip bodies; a body that does not decompress drops the connection', async () => {
    const e = await testEndpoint({ acceptAnyId: true });
    const got: InboundMessage[] = [];
    const errors: MesosWireError[] = [];
    e.on('message', (m) => got.push(m));
    e.on('connection-error', ({ error }) => errors.push(error));
    const zipped = gzipSync(Buffer.from([0x08, 0x01]));
    const head = (length: number) =>
      `POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:5\r\n` +
      `Content-Encoding: gzip\r\nContent-Length: ${length}\r\n\r\n`;
    const client = await rawClient(e.address.port);
    client.socket.write(cat(head(zipped.length), zipped));
    await until(() => got.length === 1, 2000, 'message');
    assert.deepEqual([...got[0]!.body], [0x08, 0x01]);
    const second = cat(head(4), 'nope');
    client.socket.write(second);
    await client.closed;
    assert.equal(errors[0]!.code, 'MW_TRANSPORT_BAD_CONTENT_ENCODING');
    // The offset is where the failing request starts: just after the first one.
    assert.equal(errors[0]!.offset, got[0]!.end);
    assert.deepEqual(statuses(client.received()), [202]);
  });

  it('requirePeerAddressIpMatch answers 400 to a sender whose UPID IP is not the peer IP', async () => {
    const e = await testEndpoint({ acceptAnyId: true, requirePeerAddressIpMatch: true });
    const got: InboundMessage[] = [];
    e.on('message', (m) => got.push(m));
    const client = await rawClient(e.address.port);
    client.socket.write(
      cat(
        'POST /master/x HTTP/1.1\r\nLibprocess-From: a@127.0.0.1:5\r\n\r\n',
        'POST /master/y HTTP/1.1\r\nLibprocess-From: b@10.0.0.9:5\r\n\r\n',
      ),
    );
    await until(() => statuses(client.received()).length === 2, 2000, 'two answers');
    assert.deepEqual(statuses(client.received()), [202, 400]);
    assert.match(
      client.received(),
      /UPID IP address validation failed: Message from b@10\.0\.0\.9:5 was sent from IP 127\.0\.0\.1/,
    );
    assert.deepEqual(
      got.map((m) => m.name),
      ['x'],
    );
  });

  it('does not deliver a message whose sender closed mid-body', async () => {
    const e = await testEndpoint({ acceptAnyId: true });
    const got: InboundMessage[] = [];
    const errors: MesosWireError[] = [];
    e.on('message', (m) => got.push(m));
    e.on('connection-error', ({ error }) => errors.push(error));
    const client = await rawClient(e.address.port);
    client.socket.end(EXAMPLE_B.subarray(0, EXAMPLE_B.length - 6));
    await client.closed;
    await until(() => errors.length === 1, 2000, 'connection error');
    assert.equal(got.length, 0);
    assert.equal(errors[0]!.code, 'MW_HTTP_TRUNCATED');
  });

  it('answers a half-closed sender before closing (no reset loses messages)', async () => {
    const e = await testEndpoint({ acceptAnyId: true });
    const client = await rawClient(e.address.port);
    client.socket.end(cat(EXAMPLE_B, EXAMPLE_C, EXAMPLE_B));
    await client.closed;
    assert.deepEqual(statuses(client.received()), [202, 202, 202]);
  });

  it('a burst of many reads then the end of the stream: every message delivered in order, every answer written', async () => {
    // Several 64 KiB reads in one turn are decoded together at its end: the end of the stream comes after them.
    const e = await testEndpoint({ acceptAnyId: true });
    const names: string[] = [];
    e.on('message', (m) => names.push(m.name));
    const client = await rawClient(e.address.port);
    const count = 3000;
    client.socket.end(cat(...Array.from({ length: count }, (_, i) => (i % 2 === 0 ? EXAMPLE_B : EXAMPLE_C))));
    await client.closed;
    assert.equal(names.length, count);
    const expected = (i: number) =>
      i % 2 === 0 ? 'mesos.internal.PingSlaveMessage' : 'mesos.internal.PongSlaveMessage';
    assert.ok(names.every((name, i) => name === expected(i)));
    assert.deepEqual(statuses(client.received()), new Array(count).fill(202));
  });
});

describe('LibprocessEndpoint inbound bounds', () => {
  it('maxInboundConnections: one connection more is closed on arrival and counted; room comes back', async () => {
    const e = await testEndpoint({ acceptAnyId: true, maxInboundConnections: 2 });
    const first = await rawClient(e.address.port);
    const second = await rawClient(e.address.port);
    await until(() => e.inboundConnections === 2, 2000, 'two connections');
    const third = await rawClient(e.address.port);
    await third.closed;
    assert.equal(e.inboundConnectionsDropped, 1);
    assert.equal(e.inboundConnections, 2);
    // The two open ones are served.
    first.socket.write(EXAMPLE_B);
    second.socket.write(EXAMPLE_B);
    await until(
      () => statuses(first.received()).length === 1 && statuses(second.received()).length === 1,
      2000,
      'answers',
    );
    first.socket.end();
    await first.closed;
    await until(() => e.inboundConnections === 1, 2000, 'one connection');
    const fourth = await rawClient(e.address.port);
    fourth.socket.write(EXAMPLE_B);
    await until(() => statuses(fourth.received()).length === 1, 2000, 'the fourth is served');
    assert.equal(e.inboundConnectionsDropped, 1);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(LibprocessEndpoint.listen({ maxInboundConnections: bad }), { code: 'MW_INVALID_ARGUMENT' });
      await assert.rejects(LibprocessEndpoint.listen({ inboundIdleTimeoutMs: bad <= 0 ? bad : -bad }), {
        code: 'MW_INVALID_ARGUMENT',
      });
    }
  });

  it('inboundIdleTimeoutMs: closes a silent connection, keeps a talking one and one that is owed a response', async () => {
    const e = await testEndpoint({ acceptAnyId: true, inboundIdleTimeoutMs: 250 });
    let reply: ((text: string) => void) | undefined;
    e.router.get('/slow', (_req, respond) => {
      const stream = respond.stream(200);
      reply = (text) => {
        stream.write(cat(text));
        stream.end();
      };
      return undefined;
    });
    const silent = await rawClient(e.address.port);
    const talking = await rawClient(e.address.port);
    const waiting = await rawClient(e.address.port);
    waiting.socket.write(cat('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n'));
    const started = Date.now();
    let silentClosedAt = 0;
    void silent.closed.then(() => (silentClosedAt = Date.now()));
    // The talking one sends a message every 20 ms for 500 ms and more (pauses well under the 250 ms).
    for (let i = 0; i < 25; i++) {
      talking.socket.write(EXAMPLE_B);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(silentClosedAt > 0, 'the silent connection was closed');
    assert.ok(silentClosedAt - started >= 240, `closed after ${silentClosedAt - started} ms`);
    await until(() => statuses(talking.received()).length === 25, 2000, 'answers to the talking one');
    assert.equal(talking.socket.destroyed, false, 'the talking connection is open');
    // Owed a response for 500 ms with nothing on the wire: still open, and it gets its response.
    assert.equal(waiting.socket.destroyed, false, 'the connection owed a response is open');
    reply!('done');
    await until(() => waiting.received().includes('done'), 2000, 'the slow response');
    // Once answered, it is idle like any other.
    await waiting.closed;
    await talking.closed;
  });
});

describe('LibprocessEndpoint test hooks', () => {
  it('answerHook drops or delays answers; later answers keep request order; a throwing hook answers normally', async () => {
    const e = await testEndpoint({ acceptAnyId: true });
    const plan: ('send' | 'drop' | number)[] = [60, 'drop', 'send'];
    let calls = 0;
    e.answerHook = () => {
      calls++;
      if (calls === 4) throw new Error('hook bug');
      return plan[calls - 1] ?? 'send';
    };
    const hookErrors: unknown[] = [];
    e.on('handler-error', ({ error }) => hookErrors.push(error));
    const client = await rawClient(e.address.port);
    const started = Date.now();
    client.socket.write(cat(EXAMPLE_B, EXAMPLE_C, EXAMPLE_B, EXAMPLE_C));
    await until(() => statuses(client.received()).length === 3, 2000, 'three answers');
    assert.ok(Date.now() - started >= 50, 'the delayed first answer held the others back');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(statuses(client.received()), [202, 202, 202]);
    assert.equal(hookErrors.length, 1);
  });

  it('answers given at once go out before a delayed one; those after it wait behind it, in request order', async () => {
    const e = await testEndpoint();
    e.register('slave(1)');
    // B goes to slave(1) (202), C to slave-observer(1), not registered here (404).
    const plan: ('send' | 'drop' | number)[] = ['send', 80, 'send', 'drop', 'send', 'send'];
    let calls = 0;
    e.answerHook = () => plan[calls++] ?? 'send';
    const client = await rawClient(e.address.port);
    client.socket.write(cat(EXAMPLE_B, EXAMPLE_C, EXAMPLE_B, EXAMPLE_C, EXAMPLE_C, EXAMPLE_B));
    await until(() => statuses(client.received()).length === 1, 2000, 'the first answer');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(statuses(client.received()), [202], 'only the answer before the delayed one');
    await until(() => statuses(client.received()).length === 5, 2000, 'the rest');
    await new Promise((r) => setTimeout(r, 30));
    // The fourth message's answer is dropped.
    assert.deepEqual(statuses(client.received()), [202, 404, 202, 404, 202]);
    assert.equal(calls, 6);
  });

  it('a throwing handler or listener is reported and the connection goes on', async () => {
    const e = await testEndpoint();
    e.register('slave(1)', () => {
      throw new Error('handler bug');
    });
    let calls = 0;
    e.on('message', () => {
      calls++;
      throw new Error('listener bug');
    });
    const errors: string[] = [];
    e.on('handler-error', ({ error }) => errors.push((error as Error).message));
    const client = await rawClient(e.address.port);
    client.socket.write(cat(EXAMPLE_B, EXAMPLE_B));
    await until(() => statuses(client.received()).length === 2, 2000, 'two answers');
    assert.equal(calls, 2);
    assert.deepEqual(errors, ['handler bug', 'listener bug', 'handler bug', 'listener bug']);
  });

  it('closeInbound closes the selected inbound connections only', async () => {
    const e = await testEndpoint({ acceptAnyId: true });
    const a = await rawClient(e.address.port);
    const b = await rawClient(e.address.port);
    await until(() => e.inboundConnections === 2, 2000, 'two connections');
    assert.equal(
      e.closeInbound((info) => info.remotePort === a.socket.localPort),
      1,
    );
    await a.closed;
    b.socket.write(EXAMPLE_B);
    await until(() => statuses(b.received()).length === 1, 2000, 'b still answered');
    assert.equal(e.inboundConnections, 1);
  });
});

describe('LibprocessEndpoint inbound, repeated heads', () => {
  // The decoder reuses the parse of a head it kept (from a head's second look on), and dispatch facts (classification,
  // Content-Encoding, User-Agent) are then shared by every message repeating it: the outcome must be the same as
  // when every head is parsed afresh (headCache: false).
  const zipped = gzipSync(Buffer.from([0x08, 0x01]));
  const GZIP = cat(
    'POST /slave(1)/z HTTP/1.1\r\nLibprocess-From: g@1.2.3.4:5\r\n',
    `Content-Encoding: gzip\r\nContent-Length: ${zipped.length}\r\n\r\n`,
    zipped,
  );
  const FROM_ONLY = cat('POST /slave(1)/m HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:5\r\n\r\n');
  const NOBODY = cat('POST /nobody/x HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:5\r\n\r\n');
  const stream = cat(
    ...new Array(40).fill(EXAMPLE_B),
    ...new Array(30).fill(GZIP),
    ...new Array(30).fill(FROM_ONLY),
    ...new Array(30).fill(NOBODY),
    EXAMPLE_B,
  );

  async function outcome(mesosVersion: string, headCache: boolean) {
    const e = await testEndpoint({ mesosVersion, decoder: { headCache } });
    const handled: InboundMessage[] = [];
    e.register('slave(1)', (m) => handled.push(m));
    const client = await rawClient(e.address.port);
    client.socket.write(stream);
    await until(() => handled.length === 101, 2000, 'messages');
    await new Promise((r) => setTimeout(r, 20));
    return {
      statuses: statuses(client.received()),
      messages: handled.map((m) => [m.name, formatUpid(m.from), m.fromSource, m.status, [...m.body], m.offset]),
      handled,
    };
  }

  for (const mesosVersion of ['1.11.0', '1.3.0']) {
    it(`${mesosVersion}: the same messages, bodies and answers as with every head parsed; senders frozen`, async () => {
      const reused = await outcome(mesosVersion, true);
      const parsed = await outcome(mesosVersion, false);
      assert.deepEqual(reused.statuses, parsed.statuses);
      assert.deepEqual(reused.messages, parsed.messages);
      const replies = mesosVersion === '1.11.0';
      // 40 x B, 30 x GZIP, 30 x FROM_ONLY, 30 x NOBODY, B; 1.3 answers only the senders without a User-Agent.
      const fill = (n: number, status: number) => new Array<number>(n).fill(status);
      assert.deepEqual(
        reused.statuses,
        replies ? [...fill(100, 202), ...fill(30, 404), 202] : [...fill(60, 202), ...fill(30, 404)],
      );
      assert.deepEqual(reused.handled[50]!.body, Uint8Array.of(0x08, 0x01));
      // A sender may be shared by the messages of one head: it cannot be changed.
      const from = reused.handled[39]!.from;
      assert.ok(Object.isFrozen(from));
      assert.throws(() => {
        (from as { port: number }).port = 1;
      }, TypeError);
      assert.equal(reused.handled[38]!.from === from, true);
      assert.equal(parsed.handled[38]!.from === parsed.handled[39]!.from, false);
    });
  }
});

describe('LibprocessEndpoint inbound, older eras', () => {
  const ROUTE = cat('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  const FROM_ONLY = cat('POST /slave(1)/m HTTP/1.1\r\nLibprocess-From: a@1.2.3.4:5\r\n\r\n');

  it('0.19-1.3: answers only senders without a libprocess/ User-Agent', async () => {
    const e = await testEndpoint({ mesosVersion: '1.3.0', acceptAnyId: true });
    assert.deepEqual(e.era, { style: 'mesos-1.11', replies: 'non-libprocess-only' });
    e.router.get('/health', () => ({ status: 200, body: 'ok' }));
    const got: InboundMessage[] = [];
    e.on('message', (m) => got.push(m));
    const client = await rawClient(e.address.port);
    client.socket.write(cat(EXAMPLE_B, FROM_ONLY, EXAMPLE_C, ROUTE));
    await until(() => statuses(client.received()).length === 2, 2000, 'responses');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(statuses(client.received()), [202, 200]);
    assert.deepEqual(
      got.map((m) => m.status),
      [undefined, 202, undefined],
    );
  });

  it('<= 0.18: never answers messages, still answers HTTP routes', async () => {
    const e = await testEndpoint({ mesosVersion: '0.18.2', acceptAnyId: true });
    assert.deepEqual(e.era, { style: 'mesos-0.21', replies: 'never' });
    e.router.get('/health', () => ({ status: 200, body: 'ok' }));
    const client = await rawClient(e.address.port);
    client.socket.write(cat(EXAMPLE_B, FROM_ONLY, ROUTE, EXAMPLE_C));
    await until(() => statuses(client.received()).length === 1, 2000, 'route response');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(statuses(client.received()), [200]);
  });
});

describe('LibprocessEndpoint HTTP routes', () => {
  it('serves whole and streamed responses in request order; unknown routes 404', async () => {
    const e = await testEndpoint();
    let stream: { write(p: string): boolean; end(): void } | undefined;
    e.router.get('/stream', (_req, reply) => {
      stream = reply.stream(200, [['Content-Type', 'application/json']]);
      stream.write('{"a":1}');
      return undefined;
    });
    e.router.post('/echo', async (req) => ({ status: 200, headers: [['X-Query', req.query]], body: req.body }));
    const client = await rawClient(e.address.port);
    client.socket.write(
      cat(
        'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n',
        'POST /echo?k=v HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
        'GET /missing HTTP/1.1\r\nHost: x\r\n\r\n',
      ),
    );
    await until(() => client.received().includes('{"a":1}'), 2000, 'first chunk');
    // The echo and 404 wait behind the open stream.
    assert.deepEqual(statuses(client.received()), [200]);
    assert.match(client.received(), /Transfer-Encoding: chunked\r\n\r\n7\r\n\{"a":1\}\r\n$/);
    stream!.end();
    await until(() => statuses(client.received()).length === 3, 2000, 'all responses');
    assert.deepEqual(statuses(client.received()), [200, 200, 404]);
    assert.match(client.received(), /0\r\n\r\nHTTP\/1\.1 200 OK\r\n.*X-Query: k=v\r\n.*\r\n\r\nhello/s);
  });

  it('answers 500 when a route handler fails or returns something unencodable, and goes on', async () => {
    const e = await testEndpoint();
    e.router.get('/throws', () => {
      throw new Error('boom');
    });
    e.router.get('/bad-status', async () => ({ status: 42 }));
    e.router.get('/nothing', () => undefined);
    const client = await rawClient(e.address.port);
    client.socket.write(
      cat(
        'GET /throws HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET /bad-status HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n',
      ),
      () => client.socket.write(EXAMPLE_B),
    );
    await until(() => statuses(client.received()).length === 4, 2000, 'four answers');
    assert.deepEqual(statuses(client.received()), [500, 500, 500, 404]);
  });

  it('pauses reading when responses pile up behind a slow one (bounded pipelining)', async () => {
    const e = await testEndpoint({ acceptAnyId: true, maxPendingResponses: 8 });
    let stream: { end(): void } | undefined;
    e.router.get('/hold', (_req, reply) => {
      stream = reply.stream(200);
      return undefined;
    });
    let delivered = 0;
    e.on('message', () => delivered++);
    const client = await rawClient(e.address.port);
    client.socket.write(cat('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n'));
    await until(() => stream !== undefined, 2000, 'stream');
    const many = cat(...Array.from({ length: 2000 }, () => EXAMPLE_B));
    client.socket.write(many);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(delivered < 2000, `reading paused (${delivered} delivered)`);
    stream!.end();
    await until(() => delivered === 2000, 3000, 'all messages');
    await until(() => statuses(client.received()).length === 2001, 3000, 'all responses');
  });
});

describe('LibprocessEndpoint endpoint to endpoint', () => {
  it('sends thousands of messages on one connection per peer address, in order, from the sender UPID', async () => {
    const receiver = await testEndpoint();
    const sender = await testEndpoint({ defaultId: 'scheduler-1' });
    const bodies: number[] = [];
    const froms = new Set<string>();
    receiver.register('master', (m) => {
      bodies.push(new DataView(m.body.buffer, m.body.byteOffset).getUint32(0));
      froms.add(formatUpid(m.from));
    });
    const to = receiver.upid('master');
    const count = 5000;
    let pending = 0;
    for (let i = 0; i < count; i++) {
      const body = new Uint8Array(4);
      new DataView(body.buffer).setUint32(0, i);
      while (!sender.write({ to, name: 'test.Seq', body, from: i % 2 === 0 ? undefined : 'other(1)' })) {
        await sender.whenWritable(to);
      }
      pending++;
    }
    assert.equal(pending, count);
    const last = await sender.send(
      { to, name: 'test.Seq', body: new Uint8Array(4).fill(0xff) },
      { awaitResponse: true },
    );
    assert.equal(last.status, 202);
    await until(() => bodies.length === count + 1, 5000, 'all messages');
    assert.deepEqual(
      bodies.slice(0, count),
      Array.from({ length: count }, (_, i) => i),
    );
    assert.deepEqual([...froms].sort(), [formatUpid(sender.upid('other(1)')), formatUpid(sender.upid('scheduler-1'))]);
    assert.equal(receiver.inboundConnections, 1);
    const stats = sender.connectionTo(to).stats;
    assert.equal(stats.connects, 1);
    await until(() => stats.responses === count + 1, 2000, 'responses counted');
    const unknown = await sender.send({ to: receiver.upid('nobody'), name: 'x' }, { awaitResponse: true });
    assert.equal(unknown.status, 404);
  });

  it('outbound.maxUnansweredBytes holds a sender back while its peer has not answered, then lets the rest go', async () => {
    // The receiver answers its first message at once and the others 150 ms late.
    let seen = 0;
    const receiver = await testEndpoint();
    receiver.answerHook = () => (seen++ === 0 ? 'send' : 150);
    let delivered = 0;
    receiver.register('master', () => {
      delivered++;
    });
    const sender = await testEndpoint({
      defaultId: 'scheduler-1',
      outbound: { maxUnansweredBytes: 8192, batchBytes: 1024 },
    });
    const to = receiver.upid('master');
    const body = new Uint8Array(200).fill(7);
    assert.equal((await sender.send({ to, name: 'test.First', body }, { awaitResponse: true })).status, 202);
    const connection = sender.connectionTo(to);
    for (let i = 0; i < 80; i++) assert.ok(sender.write({ to, name: 'test.Held', body }));
    await until(() => connection.heldByWindow, 2000, 'the window to fill');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const held = connection.unansweredBytesWritten;
    assert.ok(held >= 8192 && held < 8192 + 1024, `${held} bytes unanswered`);
    assert.equal(delivered, 1 + connection.unanswered);
    assert.ok(connection.queuedMessages > 40, `${connection.queuedMessages} queued`);
    await until(() => delivered === 81, 5000, 'every message');
    await until(() => connection.unanswered === 0, 5000, 'every answer');
    assert.equal(connection.unansweredBytesWritten, 0);
    assert.equal(connection.heldByWindow, false);
  });

  it('keeps at most outbound.maxIdleConnections idle connections; a dropped one is made again by the next send', async () => {
    const receivers = await Promise.all(Array.from({ length: 4 }, () => testEndpoint()));
    const delivered: number[] = [];
    for (const [index, receiver] of receivers.entries()) receiver.register('master', () => delivered.push(index));
    const sender = await testEndpoint({
      outbound: { backoff: { initialMs: 5, maxMs: 20 }, idleCloseMs: 0, maxIdleConnections: 2 },
    });
    const first = receivers[0]!.upid('master');
    assert.equal((await sender.send({ to: first, name: 'test.X' }, { awaitResponse: true })).status, 202);
    const firstConnection = sender.connectionTo(first);
    await until(() => firstConnection.state === 'idle', 2000, 'idle close');
    // New addresses: the oldest idle connection (the first one, the endpoint's last peer) is dropped.
    const others = receivers.slice(1).map((receiver) => sender.connectionTo(receiver.upid('master')));
    assert.equal(firstConnection.state, 'closed');
    assert.equal(others.at(-1)!.state, 'idle');
    // The next send to the first address gets a new connection and is delivered.
    assert.equal((await sender.send({ to: first, name: 'test.X' }, { awaitResponse: true })).status, 202);
    assert.notEqual(sender.connectionTo(first), firstConnection);
    assert.equal(sender.connectionTo(first).stats.connects, 1);
    assert.deepEqual(delivered, [0, 0]);
  });

  it('writes in the era style of the sender (bytes as libprocess writes them)', async () => {
    const receiver = await testEndpoint({ acceptAnyId: true });
    const sender = await testEndpoint({ mesosVersion: '0.20.1' });
    const got: InboundMessage[] = [];
    receiver.on('message', (m) => got.push(m));
    const body = hex('08 01');
    await sender.send(
      { to: receiver.upid('slave(1)'), name: 'mesos.internal.PingSlaveMessage', body },
      { awaitResponse: true },
    );
    const expected = encodeMessage(
      { from: sender.upid(), to: receiver.upid('slave(1)'), name: 'mesos.internal.PingSlaveMessage', body },
      'mesos-0.21',
    );
    assert.equal(got[0]!.end - got[0]!.offset, expected.length);
    assert.equal(got[0]!.request.version, '1.0');
    assert.equal(got[0]!.fromSource, 'User-Agent');
  });

  it('link: reports exited when the peer goes away, reconnects when it comes back', async () => {
    const receiver = await testEndpoint({ acceptAnyId: true });
    const port = receiver.address.port;
    const sender = await testEndpoint();
    const peer = receiver.upid('master');
    const exited: string[] = [];
    sender.on('exited', (event) => exited.push(event.peer));
    sender.link(peer);
    await until(() => receiver.inboundConnections === 1, 2000, 'linked connection');
    await receiver.close(200);
    await until(() => exited.length === 1, 2000, 'exited');
    assert.deepEqual(exited, [formatUpid(peer)]);
    // The receiving end restarts on the same port; messages sent meanwhile wait in the queue.
    const pending = sender.send({ to: peer, name: 'after.Restart' }, { awaitResponse: true });
    await new Promise((r) => setTimeout(r, 30));
    const restarted = await testEndpoint({ port, acceptAnyId: true });
    const got: string[] = [];
    restarted.on('message', (m: InboundMessage) => got.push(m.name));
    assert.equal((await pending).status, 202);
    assert.deepEqual(got, ['after.Restart']);
    sender.link(peer);
    await until(() => restarted.inboundConnections === 1, 2000, 'relinked');
    await restarted.close(200);
    await until(() => exited.length === 2, 2000, 'second exited');
  });

  it('a peer that stops reading makes write() return false with the queue at its bound, then drains', async () => {
    const slow = net.createServer({ pauseOnConnect: true });
    const accepted: net.Socket[] = [];
    slow.on('connection', (socket) => accepted.push(socket));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', () => resolve()));
    // Closed last to first: the accepted sockets go before the server (whose close waits for them).
    track({ close: () => new Promise((resolve) => slow.close(resolve)) });
    track({
      close: () => {
        for (const socket of accepted) socket.destroy();
      },
    });
    const port = (slow.address() as net.AddressInfo).port;
    const sender = await testEndpoint({ outbound: { maxQueuedMessages: 50, maxQueuedBytes: 1 << 20 } });
    const to = `slave(1)@127.0.0.1:${port}`;
    const body = new Uint8Array(16 * 1024);
    let queued = 0;
    let refusals = 0;
    const deadline = Date.now() + 3000;
    while (refusals < 10 && Date.now() < deadline) {
      if (sender.write({ to, name: 'test.Big', body })) queued++;
      else {
        refusals++;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const connection = sender.connectionTo(to);
    assert.ok(refusals >= 10, 'write() returned false');
    assert.ok(connection.queuedMessages <= 50, `queue bounded (${connection.queuedMessages})`);
    await assert.rejects(sender.send({ to, name: 'test.Big', body }), { code: 'MW_TRANSPORT_QUEUE_FULL' });
    let received = 0;
    for (const socket of accepted) {
      socket.on('data', (c: Buffer) => (received += c.length));
      socket.resume();
    }
    await sender.whenWritable(to);
    await until(() => connection.queuedMessages === 0, 5000, 'queue drained');
    await until(() => received >= queued * body.length, 5000, 'bytes at the peer');
  });

  it('a peer answering with bytes that are not HTTP fails the awaited message with MW_TRANSPORT_REJECTED', async () => {
    const server = net.createServer((socket) => socket.on('data', () => socket.write('SSH-2.0-nope\r\n')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const accepted: net.Socket[] = [];
    server.on('connection', (socket) => accepted.push(socket));
    track({ close: () => new Promise((resolve) => server.close(resolve)) });
    track({
      close: () => {
        for (const socket of accepted) socket.destroy();
      },
    });
    const sender = await testEndpoint();
    const to = `master@127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    await assert.rejects(sender.send({ to, name: 'x' }, { awaitResponse: true }), { code: 'MW_TRANSPORT_REJECTED' });
    // Plain sends still go out on the same connection; answers can no longer be awaited there.
    await sender.send({ to, name: 'y' });
    await assert.rejects(sender.send({ to, name: 'z' }, { awaitResponse: true }), { code: 'MW_TRANSPORT_REJECTED' });
    assert.equal(sender.connectionTo(to).stats.connects, 1);
  });

  it('rejects with MW_TRANSPORT_CONNECT when nobody listens', async () => {
    const gone = await testEndpoint();
    const peer = gone.upid('master');
    await gone.close(100);
    const sender = await testEndpoint({ outbound: { maxConnectAttempts: 2, backoff: { initialMs: 5, maxMs: 10 } } });
    await assert.rejects(sender.send({ to: peer, name: 'x' }), { code: 'MW_TRANSPORT_CONNECT' });
  });

  it('close() flushes the queue and waits for the answers', async () => {
    const receiver = await testEndpoint({ acceptAnyId: true });
    let count = 0;
    receiver.on('message', () => count++);
    const sender = new LibprocessEndpoint();
    await sender.listen();
    for (let i = 0; i < 1000; i++) sender.write({ to: receiver.upid('x'), name: 'n', body: new Uint8Array(100) });
    assert.deepEqual(await sender.close(2000), { unsent: 0, unanswered: 0 });
    assert.equal(count, 1000);
  });
});
