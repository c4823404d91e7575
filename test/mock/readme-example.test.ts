// The complete example of src/mock/README.md, run as a test so the documentation stays true.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchedulerClient } from 'mesos-wire/client';
import { MockMaster, v1ApiHook } from 'mesos-wire/testing';

test('README example: a framework launches a task on the mock master and sees it finish', async () => {
  const master = await MockMaster.start({
    agents: 2,
    resources: 'cpus:4;mem:8192;disk:10000;ports:[31000-32000]',
    simulation: { taskTimings: { starting_ms: 10, running_ms: 10, finish_ms: 50 } },
    http: v1ApiHook(),
  });
  // Forbid what must not happen; checked by verify() at the end.
  const errors = master.expectNone('mesos.internal.FrameworkErrorMessage');

  const client = new SchedulerClient({ master: master.url, frameworkInfo: { user: 'root', name: 'example' } });
  try {
    const states: string[] = [];
    for await (const event of client.subscribe()) {
      if (event.type === 'OFFERS') {
        const [offer, ...others] = event.offers?.offers ?? [];
        if (offer === undefined) continue;
        await client.call({
          type: 'ACCEPT',
          accept: {
            offer_ids: [offer.id],
            operations: [
              {
                type: 'LAUNCH',
                launch: {
                  task_infos: [
                    {
                      name: 'hello',
                      task_id: { value: 'hello' },
                      agent_id: offer.agent_id,
                      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }],
                      command: { value: 'echo hello' },
                    },
                  ],
                },
              },
            ],
          },
        });
        if (others.length > 0) await client.call({ type: 'DECLINE', decline: { offer_ids: others.map((o) => o.id) } });
      }
      if (event.type === 'UPDATE') {
        const { status } = event.update!;
        states.push(status.state);
        // Updates with a uuid are retried by the agent until acknowledged.
        if (status.uuid !== undefined) {
          await client.call({
            type: 'ACKNOWLEDGE',
            acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
          });
        }
        if (status.state === 'TASK_FINISHED') {
          // Done: the framework tears down (the master has removed it once this call is answered).
          await client.call({ type: 'TEARDOWN' });
          break;
        }
      }
    }
    assert.deepEqual(states, ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    // The master's view, as a real master's /master/state shows it (the framework tore down: it is a completed one).
    const state = (await (await fetch(`${master.url}/master/state`)).json()) as {
      completed_frameworks: { name: string; completed_tasks: { id: string; state: string }[] }[];
    };
    const framework = state.completed_frameworks.find((f) => f.name === 'example')!;
    assert.deepEqual(
      framework.completed_tasks.map((t) => [t.id, t.state]),
      [['hello', 'TASK_FINISHED']],
    );
    assert.deepEqual(errors.matched, []);
    master.verify();
  } finally {
    await client.close();
    await master.close(); // or `await using master = ...` above, on Node 24 and later
  }
});
