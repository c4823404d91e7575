import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { hex } from '../../helpers/bytes.ts';
import { rawRequest, startTestMaster, type TestMaster, waitFor } from './harness.ts';

const JSON_TYPE = { 'content-type': 'application/json' };

describe('/api/v1 (master operator API) on the mock master', () => {
  let master: TestMaster;
  let api: string;
  before(async () => {
    master = await startTestMaster({ agents: 1, version: '1.11.0' });
    api = `${master.url}/api/v1`;
  });
  after(() => master.close());

  test('GET_HEALTH in JSON and protobuf (literal bodies)', async () => {
    const json = await rawRequest(api, { headers: JSON_TYPE, body: '{"type":"GET_HEALTH"}' });
    assert.equal(json.status, 200);
    assert.equal(json.headers['content-type'], 'application/json');
    assert.equal(json.text, '{"type":"GET_HEALTH","get_health":{"healthy":true}}');
    // Call{type: GET_HEALTH} = 08 01; Response{type: GET_HEALTH, get_health{healthy: true}} = 08 01 12 02 08 01.
    const protobuf = await rawRequest(`${master.url}/master/api/v1`, {
      headers: { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' },
      body: hex('08 01'),
    });
    assert.equal(protobuf.status, 200);
    assert.equal(protobuf.headers['content-type'], 'application/x-protobuf');
    assert.equal(protobuf.text, new TextDecoder().decode(hex('08 01 12 02 08 01')));
  });

  test('GET_VERSION and GET_MASTER carry the master info', async () => {
    const version = await rawRequest(api, { headers: JSON_TYPE, body: '{"type":"GET_VERSION"}' });
    assert.equal(
      version.text,
      '{"type":"GET_VERSION","get_version":{"version_info":{"version":"1.11.0","build_user":"mesos-wire"}}}',
    );
    const info = master.simulation.masterInfo;
    const got = await rawRequest(api, { headers: JSON_TYPE, body: '{"type":"GET_MASTER"}' });
    assert.ok(
      got.text.startsWith(`{"type":"GET_MASTER","get_master":{"master_info":{"id":"${info.id}","ip":16777343,`),
    );
  });

  test('errors: 405, 400, 415, 406, 501', async () => {
    const get = await rawRequest(api, { method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    const noType = await rawRequest(api, { headers: JSON_TYPE, body: '{}' });
    assert.equal(noType.status, 400);
    assert.equal(noType.text, "Failed to validate master::Call: Expecting 'type' to be present");
    const teardown = await rawRequest(api, { headers: JSON_TYPE, body: '{"type":"TEARDOWN"}' });
    assert.equal(teardown.status, 400);
    assert.equal(teardown.text, "Failed to validate master::Call: Expecting 'teardown' to be present");
    const charset = await rawRequest(api, {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"type":"GET_HEALTH"}',
    });
    assert.equal(charset.status, 415);
    assert.equal(charset.text, "Expecting 'Content-Type' of application/json or application/x-protobuf");
    // The master operator API never streams application/recordio (only the agent's does).
    const recordio = await rawRequest(api, {
      headers: { ...JSON_TYPE, accept: 'application/recordio' },
      body: '{"type":"GET_HEALTH"}',
    });
    assert.equal(recordio.status, 406);
    assert.equal(recordio.text, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
    const noFramework = await rawRequest(api, {
      headers: JSON_TYPE,
      body: '{"type":"TEARDOWN","teardown":{"framework_id":{"value":"nope"}}}',
    });
    assert.equal(noFramework.status, 400);
    assert.equal(noFramework.text, 'No framework found with specified ID');
    const unknown = await rawRequest(api, { headers: JSON_TYPE, body: '{"type":"UNKNOWN"}' });
    assert.equal(unknown.status, 501);
  });

  test('frameworks of both protocols appear in GET_FRAMEWORKS', async () => {
    master.simulation.execute({
      type: 'SUBSCRIBE',
      from: { kind: 'pid', pid: 'scheduler-1@127.0.0.1:9' },
      framework_info: { user: 'root', name: 'a-driver' },
    });
    master.simulation.execute({
      type: 'SUBSCRIBE',
      from: { kind: 'http', stream_id: 'not-a-real-stream' },
      framework_info: { user: 'root', name: 'an-http-framework' },
    });
    const answer = await rawRequest(api, { headers: JSON_TYPE, body: '{"type":"GET_FRAMEWORKS"}' });
    assert.equal(answer.status, 200);
    assert.match(answer.text, /"framework_info":\{"user":"root","name":"a-driver",/);
    assert.match(answer.text, /"framework_info":\{"user":"root","name":"an-http-framework",/);
  });

  test('a SUBSCRIBE stream whose client goes away is dropped at once (heartbeats a minute apart)', async () => {
    const apis = await startTestMaster({ agents: 0 }, { operatorHeartbeatIntervalMs: 60_000 });
    const socket = net.connect(apis.port, '127.0.0.1');
    try {
      const received: Buffer[] = [];
      socket.on('data', (data: Buffer) => received.push(data));
      socket.on('error', () => {});
      const body = '{"type":"SUBSCRIBE"}';
      socket.write(
        `POST /api/v1 HTTP/1.1\r\nHost: m\r\nContent-Type: application/json\r\nContent-Length: ${body.length}` +
          `\r\n\r\n${body}`,
      );
      await waitFor(() => Buffer.concat(received).includes('"type":"HEARTBEAT"'), 'SUBSCRIBED and HEARTBEAT');
      assert.equal(apis.apis.operator.openStreams, 1);
      socket.destroy();
      await waitFor(() => apis.apis.operator.openStreams === 0, 'stream dropped', 2000);
    } finally {
      socket.destroy();
      await apis.close();
    }
  });
});
