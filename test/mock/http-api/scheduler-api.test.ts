import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { RecordIoDecoder } from '../../../src/recordio/index.ts';
import { ascii, hex } from '../../helpers/bytes.ts';
import { rawAgent, rawRequest, startTestMaster, type TestMaster, waitFor } from './harness.ts';

const JSON_TYPE = { 'content-type': 'application/json' };
const SUBSCRIBE_JSON = '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"fw"}}}';
// wire-protocol.md §4.4: the same call as protobuf.
const SUBSCRIBE_PROTOBUF = hex('10 01 1a 0c 0a 0a 0a 04 72 6f 6f 74 12 02 66 77');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An open SUBSCRIBE stream read record by record (raw bytes, to compare with literals). */
interface RawStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The next `n` records as raw RecordIO bytes (`<len>\n<data>`). */
  next(n: number): Promise<Uint8Array[]>;
  /** Resolves when the master ends the body. */
  ended(): Promise<void>;
  close(): void;
}

async function openStream(url: string, headers: Record<string, string>, body: string | Uint8Array): Promise<RawStream> {
  const abort = new AbortController();
  const response = await request(url, { method: 'POST', headers, body, dispatcher: rawAgent, signal: abort.signal });
  const iterator = response.body[Symbol.asyncIterator]();
  const decoder = new RecordIoDecoder();
  const ready: Uint8Array[] = [];
  let done = false;
  const pull = async (): Promise<void> => {
    const step = await iterator.next();
    if (step.done === true) {
      done = true;
      return;
    }
    decoder.write(step.value, (record) => ready.push(Uint8Array.from([...ascii(`${record.length}\n`), ...record])));
  };
  return {
    status: response.statusCode,
    headers: response.headers,
    async next(n) {
      while (ready.length < n && !done) await pull();
      return ready.splice(0, n);
    },
    async ended() {
      while (!done) await pull();
    },
    close() {
      abort.abort();
    },
  };
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('/api/v1/scheduler on the mock master', () => {
  let master: TestMaster;
  let api: string;
  before(async () => {
    // No agents: the streams carry SUBSCRIBED and HEARTBEAT only, so their bytes are predictable.
    master = await startTestMaster({ agents: 0, heartbeatIntervalMs: 60_000 });
    api = `${master.url}/api/v1/scheduler`;
  });
  after(() => master.close());

  test('SUBSCRIBE (JSON) answers 200 with a RecordIO stream labelled application/json and a Mesos-Stream-Id', async () => {
    const stream = await openStream(api, JSON_TYPE, SUBSCRIBE_JSON);
    try {
      assert.equal(stream.status, 200);
      assert.equal(stream.headers['content-type'], 'application/json');
      assert.match(String(stream.headers['mesos-stream-id']), UUID);
      assert.equal(stream.headers['transfer-encoding'], 'chunked');
      assert.equal(stream.headers['content-length'], undefined);
      const [subscribed, heartbeat] = await stream.next(2);
      const info = master.simulation.masterInfo;
      // The first framework of this master.
      const id = `${info.id}-0000`;
      const prefix = `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"${id}"},"heartbeat_interval_seconds":60.0,"master_info":{"id":"${info.id}","ip":16777343,"port":${master.port},`;
      assert.ok(text(subscribed!).split('\n')[1]!.startsWith(prefix), text(subscribed!));
      assert.equal(text(heartbeat!), '20\n{"type":"HEARTBEAT"}');
    } finally {
      stream.close();
    }
  });

  test('SUBSCRIBE (protobuf) answers an application/x-protobuf stream; HEARTBEAT is 2\\n08 08', async () => {
    const stream = await openStream(
      api,
      { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' },
      SUBSCRIBE_PROTOBUF,
    );
    try {
      assert.equal(stream.status, 200);
      assert.equal(stream.headers['content-type'], 'application/x-protobuf');
      const [subscribed, heartbeat] = await stream.next(2);
      // Event{type: SUBSCRIBED} starts 08 01 12 (subscribed, length-delimited).
      const body = subscribed!.subarray(subscribed!.indexOf(0x0a) + 1);
      assert.deepEqual([...body.subarray(0, 3)], [0x08, 0x01, 0x12]);
      assert.deepEqual(heartbeat, hex('32 0a 08 08'));
    } finally {
      stream.close();
    }
  });

  test('Accept negotiation: JSON preferred, q=0 refuses, protobuf through */*', async () => {
    const cases: [string, string][] = [
      ['application/x-protobuf', 'application/x-protobuf'],
      ['*/*, application/json;q=0', 'application/x-protobuf'],
      ['application/*', 'application/json'],
      ['text/html, application/x-protobuf;q=0.5, application/json;q=0.1', 'application/json'],
    ];
    for (const [accept, expected] of cases) {
      const stream = await openStream(api, { ...JSON_TYPE, accept }, SUBSCRIBE_JSON);
      assert.equal(stream.status, 200, accept);
      assert.equal(stream.headers['content-type'], expected, accept);
      stream.close();
    }
    const refused = await rawRequest(api, { headers: { ...JSON_TYPE, accept: 'text/html' }, body: SUBSCRIBE_JSON });
    assert.equal(refused.status, 406);
    assert.equal(refused.text, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
    const recordio = await rawRequest(api, {
      headers: { ...JSON_TYPE, accept: 'application/recordio' },
      body: SUBSCRIBE_JSON,
    });
    assert.equal(recordio.status, 406);
  });

  test('405 with Allow: POST for other methods', async () => {
    const answer = await rawRequest(api, { method: 'GET' });
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.allow, 'POST');
    assert.equal(answer.text, "Expecting one of { 'POST' }, but received 'GET'");
  });

  test('400 / 415 for Content-Type, compared by exact string equality', async () => {
    const missing = await rawRequest(api, { body: SUBSCRIBE_JSON });
    assert.equal(missing.status, 400);
    assert.equal(missing.text, "Expecting 'Content-Type' to be present");
    for (const contentType of ['application/json; charset=utf-8', 'Application/JSON', 'text/plain']) {
      const answer = await rawRequest(api, { headers: { 'content-type': contentType }, body: SUBSCRIBE_JSON });
      assert.equal(answer.status, 415, contentType);
      assert.equal(answer.text, "Expecting 'Content-Type' of application/json or application/x-protobuf");
    }
  });

  test('400 for bodies that do not parse, with Mesos reason texts', async () => {
    const protobuf = await rawRequest(api, {
      headers: { 'content-type': 'application/x-protobuf' },
      body: hex('ff ff ff'),
    });
    assert.equal(protobuf.status, 400);
    assert.equal(protobuf.text, 'Failed to parse body into Call protobuf');
    const json = await rawRequest(api, { headers: JSON_TYPE, body: '{"type":' });
    assert.equal(json.status, 400);
    // The prefix is Mesos's; the reason after it is the project's JSON parser's.
    assert.equal(json.text, 'Failed to parse body into JSON: unexpected end of JSON text');
    const convert = await rawRequest(api, {
      headers: JSON_TYPE,
      body: '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root"}}}',
    });
    assert.equal(convert.status, 400);
    assert.equal(
      convert.text,
      'Failed to convert JSON into Call protobuf: Missing required fields: subscribe.framework_info.name',
    );
    const enumNumber = await rawRequest(api, { headers: JSON_TYPE, body: '{"type":1}' });
    assert.equal(enumNumber.status, 400);
    assert.ok(enumNumber.text.startsWith('Failed to convert JSON into Call protobuf: '), enumNumber.text);
  });

  test('400 when validation fails', async () => {
    const cases: [string, string][] = [
      ['{}', "Expecting 'type' to be present"],
      ['{"type":"NOT_A_CALL"}', "Expecting 'type' to be present"],
      ['{"type":"SUBSCRIBE"}', "Expecting 'subscribe' to be present"],
      ['{"type":"TEARDOWN"}', "Expecting 'framework_id' to be present"],
      ['{"type":"ACCEPT","framework_id":{"value":"x"}}', "Expecting 'accept' to be present"],
      ['{"type":"KILL","framework_id":{"value":"x"}}', "Expecting 'kill' to be present"],
      [
        '{"type":"SUBSCRIBE","framework_id":{"value":"a"},"subscribe":{"framework_info":{"user":"u","name":"n","id":{"value":"b"}}}}',
        "'framework_id' differs from 'subscribe.framework_info.id'",
      ],
    ];
    for (const [body, reason] of cases) {
      const answer = await rawRequest(api, { headers: JSON_TYPE, body });
      assert.equal(answer.status, 400, body);
      assert.equal(answer.text, `Failed to validate scheduler::Call: ${reason}`, body);
    }
  });

  test('400 for SUBSCRIBE with a Mesos-Stream-Id, and for unknown frameworks', async () => {
    const withId = await rawRequest(api, {
      headers: { ...JSON_TYPE, 'mesos-stream-id': 'f0f0f0f0-0000-4000-8000-000000000000' },
      body: SUBSCRIBE_JSON,
    });
    assert.equal(withId.status, 400);
    assert.equal(withId.text, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    const unknown = await rawRequest(api, {
      headers: JSON_TYPE,
      body: '{"type":"TEARDOWN","framework_id":{"value":"no-such-framework"}}',
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.text, 'Framework cannot be found');
  });

  test('stream id checks, 202 for calls, 501 for UNKNOWN', async () => {
    const stream = await openStream(api, JSON_TYPE, SUBSCRIBE_JSON);
    const streamId = String(stream.headers['mesos-stream-id']);
    const [subscribed] = await stream.next(1);
    const frameworkId = /"framework_id":\{"value":"([^"]+)"/.exec(text(subscribed!))![1]!;
    const call = (type: string): string => `{"type":"${type}","framework_id":{"value":"${frameworkId}"}}`;

    const noId = await rawRequest(api, { headers: JSON_TYPE, body: call('REVIVE') });
    assert.equal(noId.status, 400);
    assert.equal(noId.text, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    const wrongId = await rawRequest(api, {
      headers: { ...JSON_TYPE, 'mesos-stream-id': 'not-the-stream' },
      body: call('REVIVE'),
    });
    assert.equal(wrongId.status, 400);
    assert.equal(
      wrongId.text,
      `The stream ID 'not-the-stream' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
    );
    const withId = { ...JSON_TYPE, 'mesos-stream-id': streamId };
    for (const type of ['REVIVE', 'SUPPRESS']) {
      const answer = await rawRequest(api, { headers: withId, body: call(type) });
      assert.equal(answer.status, 202, type);
      assert.equal(answer.text, '');
      assert.equal(answer.headers['content-length'], '0');
    }
    const unknown = await rawRequest(api, { headers: withId, body: call('UNKNOWN') });
    assert.equal(unknown.status, 501);
    assert.equal(unknown.text, '');
    stream.close();
  });

  test('403 for a framework connected through libprocess (a driver)', async () => {
    master.simulation.execute({
      type: 'SUBSCRIBE',
      from: { kind: 'pid', pid: 'scheduler-1@127.0.0.1:9' },
      framework_info: { user: 'root', name: 'driver' },
    });
    const driver = master.simulation.snapshot().frameworks.find((f) => f.framework_info.name === 'driver')!;
    const answer = await rawRequest(api, {
      headers: { ...JSON_TYPE, 'mesos-stream-id': 'f0f0f0f0-0000-4000-8000-000000000000' },
      body: `{"type":"REVIVE","framework_id":{"value":"${driver.id}"}}`,
    });
    assert.equal(answer.status, 403);
    assert.equal(answer.text, 'Framework is not connected via HTTP');
  });

  test('a second SUBSCRIBE of the framework closes the first stream (ERROR "Framework failed over")', async () => {
    const first = await openStream(api, JSON_TYPE, SUBSCRIBE_JSON);
    const [subscribed] = await first.next(2);
    const frameworkId = /"framework_id":\{"value":"([^"]+)"/.exec(text(subscribed!))![1]!;
    const again = `{"type":"SUBSCRIBE","framework_id":{"value":"${frameworkId}"},"subscribe":{"framework_info":{"user":"root","name":"fw","id":{"value":"${frameworkId}"},"failover_timeout":60}}}`;
    const second = await openStream(api, JSON_TYPE, again);
    const [resubscribed] = await second.next(1);
    assert.ok(text(resubscribed!).includes(`"framework_id":{"value":"${frameworkId}"}`));
    const [error] = await first.next(1);
    assert.equal(text(error!), '60\n{"type":"ERROR","error":{"message":"Framework failed over"}}');
    await first.ended();
    assert.equal(master.apis.scheduler.streamIdOf(frameworkId), second.headers['mesos-stream-id']);
    second.close();
  });

  test('/master/api/v1/scheduler is the same endpoint', async () => {
    const answer = await rawRequest(`${master.url}/master/api/v1/scheduler`, { method: 'PUT' });
    assert.equal(answer.status, 405);
  });
});

describe('leadership of the mock master', () => {
  let master: TestMaster;
  before(async () => {
    master = await startTestMaster({ agents: 0 });
  });
  after(() => master.close());

  test('307 with a protocol-relative Location from a non-leading master (path and query kept)', async () => {
    master.apis.setLeadership({ state: 'redirect', leader: 'leader.example:5050' });
    for (const path of ['/api/v1/scheduler?x=1', '/master/api/v1/scheduler', '/api/v1']) {
      const answer = await rawRequest(`${master.url}${path}`, { headers: JSON_TYPE, body: SUBSCRIBE_JSON });
      assert.equal(answer.status, 307, path);
      assert.equal(answer.headers.location, `//leader.example:5050${path}`);
      assert.equal(answer.text, '');
    }
    // Leadership is checked before the method.
    const get = await rawRequest(`${master.url}/api/v1/scheduler`, { method: 'GET' });
    assert.equal(get.status, 307);
  });

  test('503 without a leader and while recovering', async () => {
    master.apis.setLeadership({ state: 'no-leader' });
    const none = await rawRequest(`${master.url}/api/v1/scheduler`, { headers: JSON_TYPE, body: SUBSCRIBE_JSON });
    assert.equal(none.status, 503);
    assert.equal(none.text, 'No leader elected');
    master.apis.setLeadership({ state: 'recovering' });
    const recovering = await rawRequest(`${master.url}/api/v1`, { headers: JSON_TYPE, body: '{"type":"GET_HEALTH"}' });
    assert.equal(recovering.status, 503);
    assert.equal(recovering.text, 'Master has not finished recovery');
    master.apis.setLeadership({ state: 'leading' });
    const leading = await rawRequest(`${master.url}/api/v1`, { headers: JSON_TYPE, body: '{"type":"GET_HEALTH"}' });
    assert.equal(leading.status, 200);
  });
});

describe('a broken SUBSCRIBE stream', () => {
  let master: TestMaster;
  before(async () => {
    // Heartbeats a minute apart: a disconnect noticed within the test comes from the close notification, not from
    // a failed write.
    master = await startTestMaster({ agents: 0, heartbeatIntervalMs: 60_000 });
  });
  after(() => master.close());

  test('marks the framework disconnected: 403 "Framework is not subscribed", removed after the failover timeout', async () => {
    const api = `${master.url}/api/v1/scheduler`;
    const body =
      '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"fw","failover_timeout":0.3}}}';
    const stream = await openStream(api, JSON_TYPE, body);
    const streamId = String(stream.headers['mesos-stream-id']);
    const [subscribed] = await stream.next(1);
    const frameworkId = /"framework_id":\{"value":"([^"]+)"/.exec(text(subscribed!))![1]!;
    stream.close();
    await waitFor(() => master.simulation.frameworkConnection(frameworkId)?.connected === false, 'disconnect');
    const gone = await rawRequest(api, {
      headers: { ...JSON_TYPE, 'mesos-stream-id': streamId },
      body: `{"type":"REVIVE","framework_id":{"value":"${frameworkId}"}}`,
    });
    assert.equal(gone.status, 403);
    assert.equal(gone.text, 'Framework is not subscribed');
    await waitFor(() => master.simulation.frameworkConnection(frameworkId) === undefined, 'failover timeout');
    const removed = await rawRequest(api, {
      headers: { ...JSON_TYPE, 'mesos-stream-id': streamId },
      body: `{"type":"REVIVE","framework_id":{"value":"${frameworkId}"}}`,
    });
    assert.equal(removed.status, 400);
    assert.equal(removed.text, 'Framework cannot be found');
    // Subscribing again with the removed id: 200, one ERROR event, then the master ends the stream.
    const again = await openStream(
      api,
      JSON_TYPE,
      `{"type":"SUBSCRIBE","framework_id":{"value":"${frameworkId}"},"subscribe":{"framework_info":{"user":"root","name":"fw","id":{"value":"${frameworkId}"}}}}`,
    );
    assert.equal(again.status, 200);
    const [error] = await again.next(1);
    assert.equal(text(error!), '65\n{"type":"ERROR","error":{"message":"Framework has been removed"}}');
    await again.ended();
    assert.deepEqual(await again.next(1), []);
  });

  for (const how of ['closes its socket', 'half-closes its socket (FIN)'] as const) {
    test(`a client that ${how} is disconnected at once, not at the next heartbeat`, async () => {
      const socket = net.connect(master.port, '127.0.0.1');
      const received: Buffer[] = [];
      const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      try {
        socket.on('data', (data: Buffer) => received.push(data));
        socket.on('error', () => {});
        socket.write(
          `POST /api/v1/scheduler HTTP/1.1\r\nHost: m\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${SUBSCRIBE_JSON.length}\r\n\r\n${SUBSCRIBE_JSON}`,
        );
        await waitFor(() => Buffer.concat(received).includes('"type":"HEARTBEAT"'), 'SUBSCRIBED and HEARTBEAT');
        const frameworkId = /"framework_id":\{"value":"([^"]+)"/.exec(Buffer.concat(received).toString())![1]!;
        assert.equal(master.simulation.frameworkConnection(frameworkId)?.connected, true);
        const started = Date.now();
        if (how === 'closes its socket') socket.destroy();
        else socket.end();
        // failover_timeout 0: disconnected and removed at once.
        await waitFor(() => master.simulation.frameworkConnection(frameworkId) === undefined, 'disconnect');
        assert.ok(Date.now() - started < 2000, `noticed after ${Date.now() - started} ms`);
        assert.deepEqual(master.apis.scheduler.openStreams, []);
        if (how !== 'closes its socket') {
          // After a FIN the master ends the body (last chunk) and closes its side too.
          await ended;
          assert.ok(Buffer.concat(received).toString('latin1').endsWith('\r\n0\r\n\r\n'));
        }
      } finally {
        socket.destroy();
      }
    });
  }
});
