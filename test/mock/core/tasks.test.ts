import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskRule } from '../../../src/mock/core/index.ts';
import { commandTask, Harness, type Scheduler } from './harness.ts';

function launch(fw: Scheduler, ids: string[]): void {
  const offer = fw.outstanding()[0]!;
  fw.launch(
    offer,
    ids.map((id) => commandTask(id, offer, 0.1, 32)),
  );
}

function setup(rules: TaskRule[] = [], capabilities: string[] = []) {
  const h = new Harness({ taskRules: rules });
  const fw = h.driver('fw', { capabilities: capabilities.map((type) => ({ type })) });
  fw.subscribe();
  h.advance(0);
  return { h, fw };
}

describe('task behaviours', () => {
  it('fail, lost, hang and custom scripts, chosen by task id pattern or hook', () => {
    const { h, fw } = setup([
      { match: /^fail-/, behavior: 'fail' },
      { match: 'lost-1', behavior: 'lost' },
      { match: /^hang-/, behavior: 'hang' },
      {
        match: (task) => task.name === 'custom',
        behavior: {
          steps: [
            { state: 'TASK_RUNNING', after_ms: 5 },
            { state: 'TASK_FAILED', after_ms: 50, reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'OOM' },
          ],
        },
      },
    ]);
    launch(fw, ['fail-1', 'lost-1', 'hang-1', 'custom', 'plain']);
    h.advance(60_000);
    assert.deepEqual(fw.states('fail-1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    assert.deepEqual(fw.states('lost-1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_LOST']);
    assert.deepEqual(fw.states('hang-1'), ['TASK_STARTING', 'TASK_RUNNING']);
    assert.deepEqual(fw.states('custom'), ['TASK_RUNNING', 'TASK_FAILED']);
    assert.deepEqual(fw.states('plain'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const failed = fw
      .of('UPDATE')
      .find((e) => e.update.status.task_id.value === 'fail-1' && e.update.status.state === 'TASK_FAILED')!;
    assert.equal(failed.update.status.reason, 'REASON_COMMAND_EXECUTOR_FAILED');
    const lost = fw.of('UPDATE').find((e) => e.update.status.state === 'TASK_LOST')!;
    assert.equal(lost.update.status.source, 'SOURCE_SLAVE');
    const oom = fw
      .of('UPDATE')
      .find((e) => e.update.status.task_id.value === 'custom' && e.update.status.state === 'TASK_FAILED')!;
    assert.equal(oom.update.status.message, 'OOM');

    // A hanging task finishes when told to.
    assert.equal(h.sim.reportTaskState('M-0000', 'hang-1', 'TASK_FINISHED'), true);
    assert.deepEqual(fw.states('hang-1'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    assert.equal(h.sim.reportTaskState('M-0000', 'hang-1', 'TASK_RUNNING'), false);
    assert.equal(h.sim.snapshot().tasks.length, 0);
  });

  it('a task that stays STAGING until killed', () => {
    const { h, fw } = setup([{ match: /.*/, behavior: 'stage' }]);
    launch(fw, ['s']);
    h.advance(10_000);
    assert.deepEqual(fw.states('s'), []);
    assert.equal(h.sim.snapshot().tasks[0]!.state, 'TASK_STAGING');
    fw.call({ type: 'KILL', task_id: { value: 's' } });
    const killed = fw.of('UPDATE').at(-1)!.update.status;
    assert.equal(killed.state, 'TASK_KILLED');
    assert.equal(killed.reason, 'REASON_TASK_KILLED_DURING_LAUNCH');
    assert.equal(killed.source, 'SOURCE_SLAVE');
  });
});

describe('kill', () => {
  it('kills a running task: TASK_KILLED, with TASK_KILLING first for TASK_KILLING_STATE frameworks', () => {
    const rules: TaskRule[] = [
      { match: /.*/, behavior: { steps: [{ state: 'TASK_RUNNING', after_ms: 1 }], kill_ms: 500 } },
    ];
    for (const [caps, expected] of [
      [[], ['TASK_RUNNING', 'TASK_KILLED']],
      [['TASK_KILLING_STATE'], ['TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']],
    ] as const) {
      const { h, fw } = setup(rules, [...caps]);
      launch(fw, ['k']);
      h.advance(10);
      fw.call({ type: 'KILL', task_id: { value: 'k' }, kill_policy: { grace_period: { nanoseconds: 1 } } });
      const kill = h.agentOutputs('KILL_TASK')[0]!;
      assert.ok(kill.target === 'agent' && kill.message.type === 'KILL_TASK' && kill.message.kill_policy !== undefined);
      h.advance(499);
      assert.notEqual(fw.states('k').at(-1), 'TASK_KILLED');
      h.advance(1);
      assert.deepEqual(fw.states('k'), expected);
      assert.deepEqual(h.sim.snapshot().agents[0]!.allocated_resources.length, 0);
    }
  });

  it('killing an unknown task answers with a reconciliation (TASK_LOST)', () => {
    const { fw } = setup();
    fw.call({ type: 'KILL', task_id: { value: 'nope' } });
    const u = fw.of('UPDATE').at(-1)!;
    assert.equal(u.update.status.state, 'TASK_LOST');
    assert.equal(u.update.status.message, 'Reconciliation: Task is unknown');
    assert.equal(u.pid, '');
  });

  it('killing one task of a group kills the group (default executor)', () => {
    const { h, fw } = setup([{ match: /.*/, behavior: 'hang' }]);
    const offer = fw.outstanding()[0]!;
    fw.used.add(offer.id.value);
    fw.call({
      type: 'ACCEPT',
      offer_ids: [offer.id],
      operations: [
        {
          type: 'LAUNCH_GROUP',
          launch_group: {
            executor: { type: 'DEFAULT', executor_id: { value: 'e' } },
            task_group: { tasks: [commandTask('a', offer, 0.1, 32), commandTask('b', offer, 0.1, 32)] },
          },
        },
      ],
    });
    h.advance(100);
    fw.call({ type: 'KILL', task_id: { value: 'a' } });
    h.advance(0);
    assert.equal(fw.states('a').at(-1), 'TASK_KILLED');
    assert.equal(fw.states('b').at(-1), 'TASK_KILLED');
    assert.equal(fw.of('FAILURE').length, 1);
  });
});

describe('reconciliation', () => {
  it('implicit: every known task with its latest status update state, no uuid', () => {
    const { h, fw } = setup([{ match: /.*/, behavior: 'hang' }]);
    launch(fw, ['r1', 'r2']);
    h.advance(100);
    const before = fw.of('UPDATE').length;
    fw.call({ type: 'RECONCILE', tasks: [] });
    const answers = fw.of('UPDATE').slice(before);
    assert.deepEqual(
      answers.map((e) => [e.update.status.task_id.value, e.update.status.state, e.update.status.reason, e.pid]),
      [
        ['r1', 'TASK_RUNNING', 'REASON_RECONCILIATION', ''],
        ['r2', 'TASK_RUNNING', 'REASON_RECONCILIATION', ''],
      ],
    );
    assert.ok(answers.every((e) => e.update.uuid === undefined && e.update.status.source === 'SOURCE_MASTER'));
    assert.equal(answers[0]!.update.status.message, 'Reconciliation: Latest task state');
  });

  it('explicit: known, unknown on a live / unreachable / gone / unknown agent, with and without PARTITION_AWARE', () => {
    for (const aware of [false, true]) {
      const h = new Harness({ agents: 3, taskRules: [{ match: /.*/, behavior: 'hang' }] });
      const fw = h.driver('fw', { capabilities: aware ? [{ type: 'PARTITION_AWARE' }] : [] });
      fw.subscribe();
      h.advance(0);
      const offer = fw.outstanding().find((o) => o.slave_id.value === 'M-S0')!;
      fw.launch(offer, [commandTask('known', offer)]);
      h.advance(100);
      h.sim.removeAgent('M-S1', 'unreachable');
      h.sim.removeAgent('M-S2', 'gone');
      const before = fw.of('UPDATE').length;
      fw.call({
        type: 'RECONCILE',
        tasks: [
          { task_id: { value: 'known' } },
          { task_id: { value: 'x' }, slave_id: { value: 'M-S0' } },
          { task_id: { value: 'y' }, slave_id: { value: 'M-S1' } },
          { task_id: { value: 'z' }, slave_id: { value: 'M-S2' } },
          { task_id: { value: 'w' } },
        ],
      });
      const states = fw
        .of('UPDATE')
        .slice(before)
        .map((e) => e.update.status.state);
      assert.deepEqual(
        states,
        aware
          ? ['TASK_RUNNING', 'TASK_GONE', 'TASK_UNREACHABLE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']
          : ['TASK_RUNNING', 'TASK_LOST', 'TASK_LOST', 'TASK_LOST', 'TASK_LOST'],
      );
    }
  });

  it('tasks on a removed agent are reported lost (unreachable for PARTITION_AWARE)', () => {
    const h = new Harness({ taskRules: [{ match: /.*/, behavior: 'hang' }] });
    const plain = h.driver('plain');
    const aware = h.driver('aware', { capabilities: [{ type: 'PARTITION_AWARE' }] });
    plain.subscribe();
    h.advance(0);
    launch(plain, ['p']);
    aware.subscribe();
    plain.call({ type: 'SUPPRESS' });
    h.advance(1000);
    launch(aware, ['q']);
    h.advance(100);
    h.sim.removeAgent('M-S0');
    const p = plain.of('UPDATE').at(-1)!.update.status;
    const q = aware.of('UPDATE').at(-1)!.update.status;
    assert.deepEqual([p.state, p.reason, p.source], ['TASK_LOST', 'REASON_SLAVE_REMOVED', 'SOURCE_MASTER']);
    assert.equal(q.state, 'TASK_UNREACHABLE');
    assert.ok(q.unreachable_time !== undefined);
    assert.equal(h.sim.snapshot().tasks.length, 0);
  });
});

describe('agent removal with tasks in different states', () => {
  it('reports running tasks lost but forgets a finished task whose update is unacknowledged', () => {
    const h = new Harness({ taskRules: [{ match: 'runs', behavior: 'hang' }] });
    const fw = h.driver('fw');
    fw.subscribe();
    h.advance(0);
    fw.autoAck = false;
    const offer = fw.outstanding()[0]!;
    fw.launch(offer, [commandTask('runs', offer, 0.1, 32), commandTask('done', offer, 0.1, 32)]);
    // Nothing is acknowledged: the master learns that 'done' finished from the first retry (latest_state).
    h.advance(11_000);
    assert.equal(h.sim.snapshot().tasks.find((t) => t.task_id.value === 'done')?.state, 'TASK_FINISHED');
    const before = fw.of('UPDATE').length;
    h.sim.removeAgent('M-S0');
    const after = fw
      .of('UPDATE')
      .slice(before)
      .map((e) => [e.update.status.task_id.value, e.update.status.state]);
    assert.deepEqual(after, [['runs', 'TASK_LOST']]);
    assert.equal(h.sim.snapshot().tasks.length, 0);
  });
});

describe('messages between frameworks and executors', () => {
  it('relays framework messages to the agent and executor messages to the framework with the agent pid', () => {
    const { h, fw } = setup([{ match: /.*/, behavior: 'hang' }]);
    launch(fw, ['m']);
    h.advance(100);
    const data = new Uint8Array([1, 2, 3]);
    fw.call({ type: 'MESSAGE', slave_id: { value: 'M-S0' }, executor_id: { value: 'm' }, data });
    const relayed = h.agentOutputs('FRAMEWORK_TO_EXECUTOR')[0]!;
    assert.ok(relayed.target === 'agent' && relayed.message.type === 'FRAMEWORK_TO_EXECUTOR');
    assert.deepEqual(relayed.message.data, data);
    assert.equal(h.sim.sendExecutorMessage('M-0000', 'M-S0', 'm', data), true);
    assert.deepEqual(fw.of('MESSAGE')[0], {
      type: 'MESSAGE',
      slave_id: { value: 'M-S0' },
      executor_id: { value: 'm' },
      data,
      agent_pid: 'slave(1)@127.0.0.1:5050',
    });
    assert.equal(h.sim.sendExecutorMessage('M-0000', 'M-S0', 'no-such-executor', data), false);
    assert.deepEqual(fw.call({ type: 'REQUEST', requests: [] }), { ok: true });
  });
});

describe('custom executors', () => {
  it('charges the executor once, reuses it, lists it in offers, and SHUTDOWN kills its tasks', () => {
    const { h, fw } = setup([{ match: /.*/, behavior: 'hang' }]);
    const offer = fw.outstanding()[0]!;
    const executor = {
      executor_id: { value: 'custom' },
      command: { value: './executor' },
      resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.5 } }],
    };
    const withExecutor = (id: string) => {
      const t = commandTask(id, offer, 0.1, 32);
      delete t.command;
      t.executor = executor;
      return t;
    };
    fw.launch(offer, [withExecutor('c1'), withExecutor('c2')], { refuse_seconds: 0 });
    h.advance(100);
    const run = h.agentOutputs('RUN_TASK');
    assert.deepEqual(
      run.map((o) => o.target === 'agent' && o.message.type === 'RUN_TASK' && o.message.launch_executor),
      [true, false],
    );
    const snap = h.sim.snapshot();
    assert.deepEqual(
      snap.agents[0]!.allocated_resources.find((r) => r.name === 'cpus')?.scalar,
      { value: 0.7 },
      'two tasks of 0.1 plus one executor of 0.5',
    );
    assert.deepEqual(
      snap.frameworks[0]!.executors.map((e) => e.executor_id.value),
      ['custom'],
    );
    h.advance(1000);
    assert.deepEqual(
      fw
        .outstanding()
        .at(-1)!
        .executor_ids?.map((e) => e.value),
      ['custom'],
    );

    fw.call({ type: 'SHUTDOWN', slave_id: { value: 'M-S0' }, executor_id: { value: 'custom' } });
    assert.equal(fw.states('c1').at(-1), 'TASK_KILLED');
    assert.equal(fw.states('c2').at(-1), 'TASK_KILLED');
    assert.deepEqual(fw.of('FAILURE').at(-1), {
      type: 'FAILURE',
      slave_id: { value: 'M-S0' },
      executor_id: { value: 'custom' },
      status: 0,
    });
    assert.deepEqual(h.sim.snapshot().agents[0]!.allocated_resources, []);
  });
});
