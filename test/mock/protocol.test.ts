import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  decodePlain,
  encodePlain,
  type MasterInfo,
  MockMaster,
  type MockMasterOptions,
  SCHEDULER_CALL,
  VirtualClock,
} from '../../src/mock/index.ts';
import { commandFromMessage, EMPTY_UPID_TEXT, messageForAgent, messageForEvent } from '../../src/mock/translate.ts';
import { FAST, offersOf, sleep, stateOf, updateOf, waitFor } from './helpers.ts';
import { commandTask, TestSchedulerDriver } from './scheduler-driver.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function setup(options: MockMasterOptions = {}) {
  const master = await MockMaster.start({ agents: 1, resources: 'cpus:4;mem:4096', simulation: FAST, ...options });
  cleanups.push(() => master.close());
  return master;
}

async function driver(master: MockMaster, options: Partial<Parameters<typeof TestSchedulerDriver.start>[0]> = {}) {
  const d = await TestSchedulerDriver.start({ master: master.upid, ...options });
  cleanups.push(() => d.close());
  return d;
}

const MASTER_INFO: MasterInfo = {
  id: 'm',
  ip: 16777343,
  port: 5050,
  pid: 'master@127.0.0.1:5050',
  address: { ip: '127.0.0.1', port: 5050 },
};

describe('libprocess vocabulary (translate.ts)', () => {
  it('FrameworkRegisteredMessage bytes: MasterInfo.ip in network byte order (127.0.0.1 -> 16777343)', () => {
    const wire = messageForEvent(
      {
        type: 'SUBSCRIBED',
        framework_id: { value: 'f1' },
        master_info: MASTER_INFO,
        heartbeat_interval_seconds: 15,
        reregistered: false,
      },
      'f1',
    )!;
    assert.equal(wire.name, 'mesos.internal.FrameworkRegisteredMessage');
    // Written by hand from messages.proto / mesos.proto field numbers.
    assert.equal(
      hex(encodePlain(wire.name, wire.body)),
      '0a040a026631' + // 1 framework_id {1 value "f1"}
        '1232' + // 2 master_info, 50 bytes
        '0a016d' + // 1 id "m"
        '10ff808008' + // 2 ip 16777343 (0x0100007f)
        '18ba27' + // 3 port 5050
        '2215' +
        Buffer.from('master@127.0.0.1:5050').toString('hex') + // 4 pid
        '3a0e' +
        '1209' +
        Buffer.from('127.0.0.1').toString('hex') +
        '18ba27', // 7 address {2 ip, 3 port}
    );
    const reregistered = messageForEvent(
      {
        type: 'SUBSCRIBED',
        framework_id: { value: 'f1' },
        master_info: MASTER_INFO,
        heartbeat_interval_seconds: 15,
        reregistered: true,
      },
      'f1',
    )!;
    assert.equal(reregistered.name, 'mesos.internal.FrameworkReregisteredMessage');
  });

  it('v0 SUBSCRIBE with force (wire-protocol.md §3.5 vector) becomes SUBSCRIBE force=true', () => {
    const body = decodePlain(SCHEDULER_CALL, fromHex('10 01 1a 0e 0a 0a 0a 04 72 6f 6f 74 12 02 66 77 10 01'));
    const t = commandFromMessage(SCHEDULER_CALL, body, 'scheduler-1@127.0.0.1:1');
    assert.deepEqual(t, {
      command: {
        type: 'SUBSCRIBE',
        from: { kind: 'pid', pid: 'scheduler-1@127.0.0.1:1' },
        framework_info: { user: 'root', name: 'fw' },
        force: true,
        suppressed_roles: [],
      },
    });
  });

  it('maps every legacy driver message and every Call type the master accepts', () => {
    const from = 'scheduler-1@127.0.0.1:1';
    const fw = { value: 'F' };
    const cases: [string, Record<string, unknown>, string | undefined][] = [
      ['mesos.internal.RegisterFrameworkMessage', { framework: { user: 'u', name: 'n' } }, 'SUBSCRIBE'],
      [
        'mesos.internal.ReregisterFrameworkMessage',
        { framework: { user: 'u', name: 'n', id: fw }, failover: true },
        'SUBSCRIBE',
      ],
      ['mesos.internal.UnregisterFrameworkMessage', { framework_id: fw }, 'TEARDOWN'],
      ['mesos.internal.DeactivateFrameworkMessage', { framework_id: fw }, 'DEACTIVATE'],
      [
        'mesos.internal.LaunchTasksMessage',
        { framework_id: fw, tasks: [], filters: {}, offer_ids: [{ value: 'o' }] },
        'LAUNCH_TASKS',
      ],
      ['mesos.internal.ReviveOffersMessage', { framework_id: fw }, 'REVIVE'],
      ['mesos.internal.KillTaskMessage', { framework_id: fw, task_id: { value: 't' } }, 'KILL'],
      [
        'mesos.internal.StatusUpdateAcknowledgementMessage',
        { slave_id: { value: 's' }, framework_id: fw, task_id: { value: 't' }, uuid: new Uint8Array([1]) },
        'ACKNOWLEDGE',
      ],
      [
        'mesos.internal.ReconcileTasksMessage',
        { framework_id: fw, statuses: [{ task_id: { value: 't' }, state: 'TASK_RUNNING' }] },
        'RECONCILE',
      ],
      ['mesos.internal.ResourceRequestMessage', { framework_id: fw, requests: [] }, 'REQUEST'],
      [
        'mesos.internal.FrameworkToExecutorMessage',
        { slave_id: { value: 's' }, framework_id: fw, executor_id: { value: 'e' }, data: new Uint8Array([7]) },
        'MESSAGE',
      ],
      ['mesos.internal.PongSlaveMessage', {}, undefined],
    ];
    for (const [name, body, expected] of cases) {
      // Through the bytes, as on the wire.
      const t = commandFromMessage(name, decodePlain(name, encodePlain(name, body)), from);
      assert.equal('command' in t ? t.command.type : undefined, expected, name);
      if ('command' in t && t.command.type !== 'SUBSCRIBE' && t.command.type !== 'DISCONNECTED') {
        assert.deepEqual(t.command.framework_id, fw, name);
        assert.deepEqual(t.command.from, { kind: 'pid', pid: from });
      }
    }
    const reregister = commandFromMessage(
      'mesos.internal.ReregisterFrameworkMessage',
      { framework: { user: 'u', name: 'n', id: fw }, failover: true },
      from,
    );
    assert.equal('command' in reregister && reregister.command.type === 'SUBSCRIBE' && reregister.command.force, true);

    const calls: [string, Record<string, unknown>, string | undefined][] = [
      ['TEARDOWN', {}, 'TEARDOWN'],
      ['ACCEPT', { accept: { offer_ids: [{ value: 'o' }], operations: [] } }, 'ACCEPT'],
      ['DECLINE', { decline: { offer_ids: [{ value: 'o' }] } }, 'DECLINE'],
      ['REVIVE', { revive: { roles: ['r'] } }, 'REVIVE'],
      ['SUPPRESS', { suppress: { roles: ['r'] } }, 'SUPPRESS'],
      ['KILL', { kill: { task_id: { value: 't' } } }, 'KILL'],
      ['SHUTDOWN', { shutdown: { executor_id: { value: 'e' }, slave_id: { value: 's' } } }, 'SHUTDOWN'],
      [
        'ACKNOWLEDGE',
        { acknowledge: { slave_id: { value: 's' }, task_id: { value: 't' }, uuid: new Uint8Array([1]) } },
        'ACKNOWLEDGE',
      ],
      ['RECONCILE', { reconcile: { tasks: [{ task_id: { value: 't' } }] } }, 'RECONCILE'],
      [
        'MESSAGE',
        { message: { slave_id: { value: 's' }, executor_id: { value: 'e' }, data: new Uint8Array([1]) } },
        'MESSAGE',
      ],
      ['REQUEST', { request: { requests: [] } }, 'REQUEST'],
      ['ACCEPT_INVERSE_OFFERS', { accept_inverse_offers: { inverse_offer_ids: [] } }, undefined],
      ['DECLINE_INVERSE_OFFERS', { decline_inverse_offers: { inverse_offer_ids: [] } }, undefined],
      ['ACKNOWLEDGE_OPERATION_STATUS', {}, undefined],
      ['RECONCILE_OPERATIONS', {}, undefined],
      ['UPDATE_FRAMEWORK', {}, undefined],
    ];
    for (const [type, part, expected] of calls) {
      const body = decodePlain(SCHEDULER_CALL, encodePlain(SCHEDULER_CALL, { framework_id: fw, type, ...part }));
      const t = commandFromMessage(SCHEDULER_CALL, body, from);
      assert.equal('command' in t ? t.command.type : undefined, expected, type);
      if (!('command' in t)) assert.match(t.ignored, new RegExp(type), type);
    }
    const revive = commandFromMessage(
      SCHEDULER_CALL,
      { framework_id: fw, type: 'REVIVE', revive: { roles: ['a', 'b'] } },
      from,
    );
    assert.deepEqual('command' in revive && revive.command.type === 'REVIVE' && revive.command.roles, ['a', 'b']);
  });

  it('maps every scheduler event onto the message the master sends a driver', () => {
    const slave = { value: 'S' };
    const names = [
      messageForEvent({ type: 'OFFERS', offers: [], pids: [] }, 'F')?.name,
      messageForEvent({ type: 'RESCIND', offer_id: { value: 'o' } }, 'F')?.name,
      messageForEvent(
        {
          type: 'MESSAGE',
          slave_id: slave,
          executor_id: { value: 'e' },
          data: new Uint8Array(),
          agent_pid: 'slave(1)@1.2.3.4:5',
        },
        'F',
      )?.name,
      messageForEvent({ type: 'FAILURE', slave_id: slave, executor_id: { value: 'e' }, status: 0 }, 'F')?.name,
      messageForEvent({ type: 'FAILURE', slave_id: slave }, 'F')?.name,
      messageForEvent({ type: 'ERROR', message: 'x' }, 'F')?.name,
      messageForEvent({ type: 'HEARTBEAT' }, 'F')?.name,
      messageForEvent({ type: 'CLOSE' }, 'F')?.name,
    ];
    assert.deepEqual(names, [
      'mesos.internal.ResourceOffersMessage',
      'mesos.internal.RescindResourceOfferMessage',
      'mesos.internal.ExecutorToFrameworkMessage',
      'mesos.internal.ExitedExecutorMessage',
      'mesos.internal.LostSlaveMessage',
      'mesos.internal.FrameworkErrorMessage',
      undefined,
      undefined,
    ]);
    const executorMessage = messageForEvent(
      {
        type: 'MESSAGE',
        slave_id: slave,
        executor_id: { value: 'e' },
        data: new Uint8Array(),
        agent_pid: 'slave(1)@1.2.3.4:5',
      },
      'F',
    );
    assert.equal(executorMessage?.from, 'slave(1)@1.2.3.4:5');
    const masterUpdate = messageForEvent(
      {
        type: 'UPDATE',
        update: { framework_id: { value: 'F' }, status: { task_id: { value: 't' }, state: 'TASK_LOST' }, timestamp: 1 },
        pid: '',
      },
      'F',
    );
    assert.equal(masterUpdate?.body.pid, EMPTY_UPID_TEXT);
    // Every agent message encodes with its schema.
    for (const message of [
      { type: 'KILL_TASK', framework_id: { value: 'F' }, task_id: { value: 't' } },
      {
        type: 'STATUS_UPDATE_ACKNOWLEDGEMENT',
        slave_id: slave,
        framework_id: { value: 'F' },
        task_id: { value: 't' },
        uuid: new Uint8Array([1]),
      },
      {
        type: 'FRAMEWORK_TO_EXECUTOR',
        slave_id: slave,
        framework_id: { value: 'F' },
        executor_id: { value: 'e' },
        data: new Uint8Array([1]),
      },
      { type: 'SHUTDOWN_FRAMEWORK', framework_id: { value: 'F' } },
      { type: 'SHUTDOWN_EXECUTOR', framework_id: { value: 'F' }, executor_id: { value: 'e' } },
    ] as const) {
      const wire = messageForAgent(message);
      assert.ok(encodePlain(wire.name, wire.body).length > 0, wire.name);
    }
  });
});

describe('MockMaster eras, clocks and agent UPIDs', () => {
  it('0.20 era: writes HTTP/1.0 without Libprocess-From and answers no message', async () => {
    const master = await setup({ mesosVersion: '0.20.0' });
    const d = await driver(master);
    await d.subscribe();
    const out = master.log.find((r) => r.name === 'mesos.internal.FrameworkRegisteredMessage')!;
    const head = new TextDecoder().decode(out.raw.subarray(0, out.raw.indexOf(0x0d) + 2));
    assert.equal(head, `POST /${d.id}/mesos.internal.FrameworkRegisteredMessage HTTP/1.0\r\n`);
    assert.equal(new TextDecoder().decode(out.raw).includes('Libprocess-From'), false);
    assert.equal(master.log.find((r) => r.direction === 'in')!.status, undefined);
  });

  it('1.12 era writes the recipient into Host; 1.3 era answers only non-libprocess senders', async () => {
    const master = await setup({ mesosVersion: '1.12.0' });
    const d = await driver(master);
    await d.subscribe();
    const raw = new TextDecoder().decode(master.log.find((r) => r.direction === 'out')!.raw);
    assert.ok(raw.includes(`\r\nHost: ${d.upid.slice(d.upid.indexOf('@') + 1)}\r\n`));

    const old = await setup({ mesosVersion: '1.3.0' });
    const d2 = await driver(old);
    await d2.subscribe();
    assert.equal(old.log.find((r) => r.direction === 'in')!.status, undefined);
  });

  it('answers AuthenticateMessage like a master without an authenticator', async () => {
    const master = await setup();
    const d = await driver(master);
    const authenticatee = d.endpoint.register('crammd5-authenticatee(1)', () => {});
    const answered = master.next('mesos.internal.AuthenticationErrorMessage', { direction: 'out' });
    await d.endpoint.send({
      to: master.upid,
      name: 'mesos.internal.AuthenticateMessage',
      from: authenticatee,
      body: encodePlain('mesos.internal.AuthenticateMessage', { pid: d.upid }),
    });
    const record = await answered;
    assert.equal(record.to, `crammd5-authenticatee(1)@${d.upid.slice(d.upid.indexOf('@') + 1)}`);
    assert.deepEqual(record.message, { error: 'No authenticator loaded' });
  });

  it('with a manual VirtualClock nothing happens until the test advances time', async () => {
    const clock = new VirtualClock(1_600_000_000_000);
    const master = await setup({ clock });
    const d = await driver(master);
    await d.subscribe();
    await sleep(60);
    assert.equal(master.log.filter((r) => r.name === 'mesos.internal.ResourceOffersMessage').length, 0);
    master.advance(0);
    const offer = offersOf((await d.next('mesos.internal.ResourceOffersMessage')).message)[0]!;
    // Waiting starts before the call goes out: next() only sees messages from the moment it is called.
    const accepted = master.next(SCHEDULER_CALL, { callType: 'ACCEPT' });
    await d.launch([offer.id.value], [commandTask('manual', offer.slave_id.value)]);
    await accepted;
    master.advance(FAST!.taskTimings!.starting_ms!);
    const starting = await d.next('mesos.internal.StatusUpdateMessage');
    assert.equal(stateOf(starting.message), 'TASK_STARTING');
    assert.equal((updateOf(starting.message) as { timestamp?: number } | undefined)?.timestamp, 1_600_000_000.002);
  });

  it('serves the virtual agents on its port: acks and framework messages sent straight to slave(1)', async () => {
    const master = await setup({ simulation: { ...FAST, defaultTaskBehavior: 'hang' } });
    const d = await driver(master, { autoAck: false });
    await d.subscribe();
    const offers = await d.next('mesos.internal.ResourceOffersMessage');
    const offer = offersOf(offers.message)[0]!;
    const agentPid = (offers.message.pids as string[])[0]!;
    await d.launch([offer.id.value], [commandTask('direct', offer.slave_id.value)]);
    const starting = await d.next((r) => stateOf(r.message) === 'TASK_STARTING');
    assert.equal(starting.message.pid, agentPid);
    const update = updateOf(starting.message)!;
    // A <= 0.18 driver acknowledges to the agent itself (later updates are acknowledged automatically).
    d.autoAck = true;
    await d.send(
      'mesos.internal.StatusUpdateAcknowledgementMessage',
      {
        slave_id: offer.slave_id,
        framework_id: { value: d.frameworkId },
        task_id: update.status.task_id,
        uuid: update.uuid,
      },
      agentPid,
    );
    await d.next((r) => stateOf(r.message) === 'TASK_RUNNING');
    const ack = master.log.find(
      (r) => r.name === 'mesos.internal.StatusUpdateAcknowledgementMessage' && r.direction === 'in',
    )!;
    assert.equal(ack.to, agentPid);
    assert.equal(ack.status, 202);
    // FrameworkToExecutorMessage straight to the agent reaches the simulation.
    const relayed = master.next('mesos.internal.FrameworkToExecutorMessage', { direction: 'internal' });
    await d.send(
      'mesos.internal.FrameworkToExecutorMessage',
      {
        slave_id: offer.slave_id,
        framework_id: { value: d.frameworkId },
        executor_id: { value: 'direct' },
        data: new Uint8Array([1, 2]),
      },
      agentPid,
    );
    assert.deepEqual((await relayed).message?.data, new Uint8Array([1, 2]));
    // Executor data comes to the driver from the agent's UPID.
    assert.ok(
      master.simulation.sendExecutorMessage(d.frameworkId!, offer.slave_id.value, 'direct', new Uint8Array([9])),
    );
    const fromExecutor = await d.next('mesos.internal.ExecutorToFrameworkMessage');
    assert.equal(fromExecutor.from, agentPid);
    // Messages to an id nobody serves are answered 404.
    const receipt = await d.endpoint.send(
      { to: agentPid.replace('slave(1)', 'slave(9)'), name: 'mesos.internal.PongSlaveMessage', from: d.id },
      { awaitResponse: true },
    );
    assert.equal(receipt.status, 404);
    // KILL ends the hanging task.
    await d.call('KILL', { kill: { task_id: { value: 'direct' } } });
    await waitFor(() => d.received.some((r) => stateOf(r.message) === 'TASK_KILLED'));
    assert.equal(d.received.find((r) => stateOf(r.message) === 'TASK_KILLED')!.from, master.upid);
  });
});
