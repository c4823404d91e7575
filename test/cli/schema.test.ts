import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MESSAGE_CATALOG } from '../../src/proto/catalog.ts';
import { matchSnapshot, runCli } from './helpers.ts';

async function json(args: string[]) {
  const r = await runCli([...args, '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.toString()) as Record<string, unknown>;
}

describe('mesos-wire schema', () => {
  it('lists every catalog wire name with roles and versions, and the v1 endpoints', async () => {
    const list = await json(['schema']);
    const names = list.wireNames as Record<string, unknown>[];
    assert.equal(names.length, MESSAGE_CATALOG.length);
    assert.deepEqual(
      names.find((n) => n.wireName === 'mesos.internal.PingSlaveMessage'),
      {
        wireName: 'mesos.internal.PingSlaveMessage',
        typeName: 'mesos.internal.PingSlaveMessage',
        senders: MESSAGE_CATALOG.find((e) => e.wireName === 'mesos.internal.PingSlaveMessage')!.senders,
        receivers: MESSAGE_CATALOG.find((e) => e.wireName === 'mesos.internal.PingSlaveMessage')!.receivers,
        since: MESSAGE_CATALOG.find((e) => e.wireName === 'mesos.internal.PingSlaveMessage')!.since,
        until: null,
        note: MESSAGE_CATALOG.find((e) => e.wireName === 'mesos.internal.PingSlaveMessage')!.note,
      },
    );
    const ping = names.find((n) => n.wireName === 'PING')!;
    assert.equal(ping.typeName, null);
    assert.deepEqual((list.endpoints as Record<string, unknown>[])[0], {
      endpoint: '/api/v1/scheduler',
      request: 'mesos.v1.scheduler.Call',
      response: 'mesos.v1.scheduler.Response',
      event: 'mesos.v1.scheduler.Event',
    });
  });
  it('shows the fields of a wire name: number, label, type, default, deprecated', async () => {
    const ack = await json(['schema', 'mesos.internal.StatusUpdateAcknowledgementMessage']);
    assert.equal(ack.typeName, 'mesos.internal.StatusUpdateAcknowledgementMessage');
    assert.deepEqual(ack.fields, [
      { number: 1, name: 'slave_id', label: 'required', type: 'mesos.SlaveID', default: null, deprecated: false },
      {
        number: 2,
        name: 'framework_id',
        label: 'required',
        type: 'mesos.FrameworkID',
        default: null,
        deprecated: false,
      },
      { number: 3, name: 'task_id', label: 'required', type: 'mesos.TaskID', default: null, deprecated: false },
      { number: 4, name: 'uuid', label: 'required', type: 'bytes', default: null, deprecated: false },
    ]);
    assert.deepEqual(
      (ack.wire as Record<string, unknown>).wireName,
      'mesos.internal.StatusUpdateAcknowledgementMessage',
    );
  });
  it('any full type name: defaults and deprecated fields, repeated, enums', async () => {
    const info = await json(['schema', 'mesos.v1.FrameworkInfo']);
    const fields = info.fields as Record<string, unknown>[];
    assert.deepEqual(
      fields.find((f) => f.name === 'role'),
      { number: 6, name: 'role', label: 'optional', type: 'string', default: '*', deprecated: true },
    );
    assert.deepEqual(
      fields.find((f) => f.name === 'failover_timeout'),
      { number: 4, name: 'failover_timeout', label: 'optional', type: 'double', default: 0, deprecated: false },
    );
    assert.deepEqual(
      fields.find((f) => f.name === 'roles'),
      { number: 12, name: 'roles', label: 'repeated', type: 'string', default: null, deprecated: false },
    );
    const type = await json(['schema', 'mesos.v1.scheduler.Event.Type']);
    assert.equal(type.kind, 'enum');
    assert.deepEqual((type.values as unknown[]).slice(0, 3), [
      { name: 'UNKNOWN', number: 0 },
      { name: 'SUBSCRIBED', number: 1 },
      { name: 'OFFERS', number: 2 },
    ]);
  });
  it('an unknown name exits 2 with a one-line message', async () => {
    const r = await runCli(['schema', 'mesos.internal.NoSuchMessage']);
    assert.equal(r.status, 2);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /^mesos-wire: no wire name or protobuf type mesos.internal.NoSuchMessage/);
  });
  it('text snapshots', async () => {
    for (const [name, args] of [
      ['schema-show-ack', ['schema', 'mesos.internal.StatusUpdateAcknowledgementMessage']],
      ['schema-show-ping', ['schema', 'PING']],
      ['schema-show-v1-call', ['schema', 'mesos.v1.scheduler.Call']],
    ] as [string, string[]][]) {
      matchSnapshot(name, args, await runCli(args));
    }
    const list = (await runCli(['schema'])).stdout.toString();
    assert.match(list, /^WIRE NAME +SENDERS -> RECEIVERS +VERSIONS\n/);
    assert.match(list, /\nmesos\.internal\.PingSlaveMessage +master slave-observer\(N\) -> agent +0\.[0-9.]+\+\n/);
    assert.match(
      list,
      /\n\/api\/v1 on the master +mesos\.v1\.master\.Call +mesos\.v1\.master\.Response +mesos\.v1\.master\.Event\n/,
    );
  });
});
