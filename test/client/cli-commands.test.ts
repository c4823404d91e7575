import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { runApi } from '../../src/cli/commands/api.ts';
import { runWatch } from '../../src/cli/commands/watch.ts';
import type { CliContext } from '../../src/cli/context.ts';
import type { ExitCode } from '../../src/cli/exit-codes.ts';
import { startTestMaster, type TestMaster, waitFor } from '../mock/http-api/harness.ts';

/** A CLI context over in-memory streams, without colour. */
function fakeContext(): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const ctx: CliContext = {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: { FORCE_COLOR: '0' },
    setExit(_code: ExitCode) {},
  };
  return { ctx, out: () => out, err: () => err };
}

describe('mesos-wire api and watch against the mock master', () => {
  let master: TestMaster;
  before(async () => {
    master = await startTestMaster({ agents: 1, version: '1.11.0' }, { operatorHeartbeatIntervalMs: 50 });
  });
  after(() => master.close());

  test('api GET_HEALTH prints a text tree (JSON and protobuf alike)', async () => {
    for (const contentType of ['json', 'protobuf'] as const) {
      const { ctx, out } = fakeContext();
      const code = await runApi('GET_HEALTH', { master: master.url, contentType, format: 'text' }, ctx);
      assert.equal(code, 0);
      assert.equal(out(), 'GET_HEALTH\nget_health\n  healthy: true\n');
    }
  });

  test('api --format ndjson prints Mesos JSON', async () => {
    const { ctx, out } = fakeContext();
    const code = await runApi('GET_VERSION', { master: master.url, contentType: 'protobuf', format: 'ndjson' }, ctx);
    assert.equal(code, 0);
    assert.equal(
      out(),
      '{"type":"GET_VERSION","get_version":{"version_info":{"version":"1.11.0","build_user":"mesos-wire"}}}\n',
    );
  });

  test('api --json completes the call; refusals exit 1 with the master text, bad JSON exits 2, no master exits 3', async () => {
    const agentId = master.simulation.agentPids()[0]!.id;
    const gone = fakeContext();
    assert.equal(
      await runApi(
        'MARK_AGENT_GONE',
        {
          master: master.url,
          contentType: 'json',
          format: 'text',
          json: `{"mark_agent_gone":{"agent_id":{"value":"${agentId}"}}}`,
        },
        gone.ctx,
      ),
      0,
    );
    assert.equal(gone.out(), 'MARK_AGENT_GONE: accepted (no response body)\n');
    assert.equal(master.simulation.agentPids().length, 0);

    const refused = fakeContext();
    assert.equal(await runApi('TEARDOWN', { master: master.url, contentType: 'json', format: 'text' }, refused.ctx), 1);
    assert.match(
      refused.err(),
      /TEARDOWN answered: 400 "Failed to validate master::Call: Expecting 'teardown' to be present"/,
    );

    const badJson = fakeContext();
    assert.equal(
      await runApi('TEARDOWN', { master: master.url, contentType: 'json', format: 'text', json: '{' }, badJson.ctx),
      2,
    );

    const nobody = fakeContext();
    assert.equal(
      await runApi('GET_HEALTH', { master: 'http://127.0.0.1:1', contentType: 'json', format: 'text' }, nobody.ctx),
      3,
    );
  });

  test('watch prints events live and stops cleanly on abort', async () => {
    const { ctx, out } = fakeContext();
    const stop = new AbortController();
    const done = runWatch(
      { master: master.url, contentType: 'json', format: 'ndjson', heartbeats: true },
      ctx,
      stop.signal,
    );
    await waitFor(() => out().includes('"type":"HEARTBEAT"'), 'first heartbeat');
    master.simulation.addAgent({});
    await waitFor(() => out().includes('"type":"AGENT_ADDED"'), 'AGENT_ADDED');
    stop.abort();
    assert.equal(await done, 0);
    const lines = out().trim().split('\n');
    assert.ok(lines[0]!.startsWith('{"type":"SUBSCRIBED","subscribed":{"get_state":'));
    assert.equal(lines[1], '{"type":"HEARTBEAT"}');
  });
});
