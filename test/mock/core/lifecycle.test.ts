import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandTask, Harness, scalar } from './harness.ts';

describe('framework lifecycle on the virtual clock', () => {
  it('registers, gets offers with agent pids, launches, and sees STARTING -> RUNNING -> FINISHED', () => {
    const h = new Harness({ agents: 1, resources: 'cpus:4;mem:8192;disk:10000;ports:[31000-32000]' });
    const fw = h.driver('a');
    assert.deepEqual(fw.subscribe(), { ok: true });
    const subscribed = fw.of('SUBSCRIBED')[0]!;
    assert.equal(subscribed.framework_id.value, 'M-0000');
    assert.equal(subscribed.reregistered, false);
    assert.equal(subscribed.master_info.pid, 'master@127.0.0.1:5050');
    assert.equal(subscribed.master_info.ip, 16777343);

    h.advance(0); // the allocation a new framework triggers
    const offersEvent = fw.of('OFFERS')[0]!;
    assert.equal(offersEvent.offers.length, 1);
    assert.deepEqual(offersEvent.pids, ['slave(1)@127.0.0.1:5050']);
    const offer = offersEvent.offers[0]!;
    assert.equal(offer.id.value, 'M-O0');
    assert.equal(offer.slave_id.value, 'M-S0');
    assert.equal(offer.framework_id.value, 'M-0000');
    assert.equal(offer.url?.path, '/slave(1)');
    assert.equal(scalar(offer, 'cpus'), 4);
    assert.equal(scalar(offer, 'mem'), 8192);
    assert.deepEqual(offer.resources.find((r) => r.name === 'ports')?.ranges, {
      range: [{ begin: 31000, end: 32000 }],
    });
    // A framework without RESERVATION_REFINEMENT sees the pre-refinement `role` and no allocation_info.
    assert.ok(offer.resources.every((r) => r.role === '*' && r.allocation_info === undefined));

    assert.deepEqual(fw.launch(offer, [commandTask('t1', offer)]), { ok: true });
    const run = h.agentOutputs('RUN_TASK')[0]!;
    assert.equal(run.target === 'agent' && run.agent_pid, 'slave(1)@127.0.0.1:5050');

    h.advance(10);
    assert.deepEqual(fw.states('t1'), ['TASK_STARTING']);
    h.advance(10);
    assert.deepEqual(fw.states('t1'), ['TASK_STARTING', 'TASK_RUNNING']);
    h.advance(1000);
    assert.deepEqual(fw.states('t1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);

    const finished = fw.of('UPDATE').at(-1)!;
    assert.equal(finished.pid, 'slave(1)@127.0.0.1:5050');
    assert.equal(finished.update.status.source, 'SOURCE_EXECUTOR');
    assert.equal(finished.update.status.uuid?.length, 16);
    assert.deepEqual(finished.update.status.uuid, finished.update.uuid);
    assert.equal(finished.update.latest_state, 'TASK_FINISHED');
    assert.equal(finished.update.status.executor_id?.value, 't1');
    assert.equal(finished.update.status.timestamp, (1_600_000_000_000 + 1020) / 1000);

    // Acknowledged terminal update: the master forgets the task; resources came back.
    const snap = h.sim.snapshot();
    assert.equal(snap.tasks.length, 0);
    assert.equal(snap.completed_tasks.length, 1);
    assert.equal(snap.completed_tasks[0]!.state, 'TASK_FINISHED');
    assert.deepEqual(
      snap.completed_tasks[0]!.statuses.map((s) => s.state),
      ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'],
    );
    assert.deepEqual(snap.agents[0]!.allocated_resources, []);
    assert.equal(h.agentOutputs('STATUS_UPDATE_ACKNOWLEDGEMENT').length, 3);

    // The unused part of the offer was refused for 5 s, but the whole agent is more than what was refused, so it
    // is offered again as soon as the task's resources come back.
    const last = fw.offers().at(-1)!;
    assert.equal(fw.offers().length, 2);
    assert.equal(scalar(last, 'cpus'), 4);
    assert.equal(scalar(last, 'mem'), 8192);
  });

  it('serves several frameworks at once, sharing agents fairly', () => {
    const h = new Harness({ agents: 4, resources: 'cpus:2;mem:2048' });
    const a = h.driver('a');
    const b = h.driver('b');
    const c = h.http('c');
    a.subscribe();
    b.subscribe();
    c.subscribe();
    assert.deepEqual([a.frameworkId, b.frameworkId, c.frameworkId], ['M-0000', 'M-0001', 'M-0002']);
    h.advance(0);
    // Four agents, three frameworks at zero share: each gets an agent, then the lowest share (the first) the fourth.
    assert.deepEqual([a.offers().length, b.offers().length, c.offers().length], [2, 1, 1]);
    const agentsSeen = new Set([...a.offers(), ...b.offers(), ...c.offers()].map((o) => o.slave_id.value));
    assert.equal(agentsSeen.size, 4);
    // Offer ids increase across the master.
    assert.deepEqual([...a.offers(), ...b.offers(), ...c.offers()].map((o) => o.id.value).sort(), [
      'M-O0',
      'M-O1',
      'M-O2',
      'M-O3',
    ]);

    for (const [i, s] of [a, b, c].entries()) {
      const offer = s.offers()[0]!;
      s.launch(offer, [commandTask(`task-${i}`, offer)]);
    }
    h.advance(2000);
    for (const [i, s] of [a, b, c].entries()) {
      assert.deepEqual(s.states(`task-${i}`), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    }
    // v1 frameworks get a HEARTBEAT at once after SUBSCRIBED; drivers never do.
    assert.equal(c.events[1]!.type, 'HEARTBEAT');
    assert.equal(a.of('HEARTBEAT').length, 0);
  });

  it('launches a task group with LAUNCH_GROUP on one default executor', () => {
    const h = new Harness({ resources: 'cpus:4;mem:4096' });
    const fw = h.http('g');
    fw.subscribe();
    h.advance(0);
    const offer = fw.offers()[0]!;
    const executor = {
      type: 'DEFAULT' as const,
      executor_id: { value: 'exec-1' },
      resources: [
        { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.1 } },
        { name: 'mem', type: 'SCALAR' as const, scalar: { value: 32 } },
      ],
    };
    const tasks = [commandTask('g1', offer), commandTask('g2', offer)];
    fw.used.add(offer.id.value);
    fw.call({
      type: 'ACCEPT',
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks } } }],
    });
    const run = h.agentOutputs('RUN_TASK_GROUP')[0]!;
    assert.ok(run.target === 'agent' && run.message.type === 'RUN_TASK_GROUP');
    assert.equal(run.message.task_group.tasks.length, 2);
    const snap = h.sim.snapshot();
    assert.deepEqual(
      snap.tasks.map((t) => t.executor_id?.value),
      ['exec-1', 'exec-1'],
    );
    assert.equal(snap.frameworks[0]!.executors[0]!.executor_id.value, 'exec-1');
    h.advance(2000);
    assert.deepEqual(fw.states('g1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    assert.deepEqual(fw.states('g2'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    // The default executor exits once its tasks are done, and the framework is told (ExitedExecutorMessage).
    const failure = fw.of('FAILURE')[0]!;
    assert.deepEqual(failure, {
      type: 'FAILURE',
      slave_id: { value: 'M-S0' },
      executor_id: { value: 'exec-1' },
      status: 0,
    });
    assert.deepEqual(h.sim.snapshot().agents[0]!.allocated_resources, []);
  });

  it('accepts the legacy LaunchTasksMessage path and answers invalid tasks with TASK_ERROR', () => {
    const h = new Harness({ resources: 'cpus:1;mem:512' });
    const fw = h.driver('legacy');
    fw.subscribe();
    h.advance(0);
    const offer = fw.offers()[0]!;
    fw.used.add(offer.id.value);
    fw.call({
      type: 'LAUNCH_TASKS',
      offer_ids: [offer.id],
      tasks: [
        commandTask('ok', offer, 0.5, 128),
        commandTask('too-big', offer, 4, 128),
        commandTask('ok', offer, 0.1, 16),
      ],
    });
    h.advance(1100);
    // The duplicate's TASK_ERROR comes first (at accept time), then the first 'ok' runs.
    assert.deepEqual(fw.states('ok'), ['TASK_ERROR', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const errors = fw.of('UPDATE').filter((e) => e.update.status.state === 'TASK_ERROR');
    assert.deepEqual(
      errors.map((e) => [e.update.status.task_id.value, e.update.status.reason, e.update.status.message, e.pid]),
      [
        [
          'too-big',
          'REASON_TASK_INVALID',
          'Task uses more resources cpus:4; mem:128 than available cpus:0.5; mem:384; disk:10240; ports:[31000-32000]',
          '',
        ],
        ['ok', 'REASON_TASK_INVALID', 'Task has duplicate ID: ok', ''],
      ],
    );
    assert.equal(errors[0]!.update.uuid, undefined);
    assert.equal(errors[0]!.update.status.source, 'SOURCE_MASTER');
  });

  it('answers launches on stale offers with TASK_LOST, or TASK_DROPPED for PARTITION_AWARE frameworks', () => {
    const h = new Harness();
    const plain = h.driver('plain');
    const aware = h.driver('aware', { capabilities: [{ type: 'PARTITION_AWARE' }] });
    plain.subscribe();
    aware.subscribe();
    const offer = { id: { value: 'M-O99' }, slave_id: { value: 'M-S0' } } as Parameters<typeof commandTask>[1];
    plain.launch(offer, [commandTask('x', offer)]);
    aware.launch(offer, [commandTask('y', offer)]);
    const lost = plain.of('UPDATE')[0]!.update.status;
    assert.equal(lost.state, 'TASK_LOST');
    assert.equal(lost.reason, 'REASON_INVALID_OFFERS');
    assert.equal(lost.message, 'Task launched with invalid offers: Offer M-O99 is no longer valid');
    assert.equal(aware.of('UPDATE')[0]!.update.status.state, 'TASK_DROPPED');
  });
});
