import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MockMaster } from '../../src/mock/index.ts';
import { FAST, offersOf, stateOf } from '../mock/helpers.ts';
import { commandTask, TestSchedulerDriver } from '../mock/scheduler-driver.ts';
import { runCli } from './helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('mesos-wire decode on a capture written by the mock master', () => {
  it('shows every libprocess message of a task lifecycle, with flow, frame and time', async () => {
    const master = await MockMaster.start({ agents: 1, resources: 'cpus:2;mem:2048', simulation: FAST });
    cleanups.push(() => master.close());
    const driver = await TestSchedulerDriver.start({ master: master.upid });
    cleanups.push(() => driver.close());
    await driver.subscribe();
    const offer = offersOf((await driver.next('mesos.internal.ResourceOffersMessage')).message)[0]!;
    await driver.launch([offer.id.value], [commandTask('captured', offer.slave_id.value)]);
    await driver.next((r) => stateOf(r.message) === 'TASK_FINISHED');

    const dir = await mkdtemp(join(tmpdir(), 'mw-mock-capture-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'mock.pcapng');
    // What the capture holds is the log as it is when written (the driver may still be acknowledging).
    const wire = master.log.filter((r) => r.direction !== 'internal' && !(r.direction === 'out' && r.dropped));
    await master.writePcapng(path);

    const result = await runCli(['decode', path, '--format', 'ndjson']);
    assert.equal(result.status, 0, result.stderr);
    const records = result.stdout
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const messages = records.filter((r) => r.type === 'message');
    assert.deepEqual(messages.map((m) => m.name).sort(), wire.map((r) => r.name).sort());
    for (const m of messages) {
      assert.match(m.flow, /^127\.0\.0\.1:\d+>127\.0\.0\.1:\d+$/);
      assert.equal(typeof m.frame, 'number');
      assert.match(m.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
      assert.notEqual(m.body, null, `${m.name} has a typed body`);
    }
    const states = messages
      .filter((m) => m.name === 'mesos.internal.StatusUpdateMessage')
      .map((m) => m.body.update.status.state);
    assert.ok(states.includes('TASK_RUNNING') && states.includes('TASK_FINISHED'), states.join(','));
    assert.deepEqual(
      records.filter((r) => r.type === 'error'),
      [],
    );
  });
});
