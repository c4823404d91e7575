import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeWithType } from '../../src/proto/decode.ts';
import { fromMesosJson } from '../../src/proto/json-read.ts';
import { schemalessToJson } from '../../src/proto/json-write.ts';
import { findType, getDefaultRoot } from '../../src/proto/schema.ts';
import { decodeSchemaless } from '../../src/proto/schemaless.ts';
import {
  describeType,
  formatMessageTree,
  formatSchemalessTree,
  formatTypeSchema,
  formatUuid,
} from '../../src/proto/text.ts';
import { hex } from '../helpers/bytes.ts';

function tree(typeName: string, json: string): string[] {
  const type = findType(getDefaultRoot(), typeName)!;
  return formatMessageTree(decodeWithType(type, fromMesosJson(json, type)), type);
}

describe('formatMessageTree', () => {
  it('renders a status update: ids inline, enums by name, timestamps, uuid', () => {
    const lines = tree(
      'mesos.internal.StatusUpdateMessage',
      JSON.stringify({
        update: {
          framework_id: { value: 'fw-1' },
          slave_id: { value: 'agent-1' },
          status: {
            task_id: { value: 't1' },
            state: 'TASK_RUNNING',
            timestamp: 1700000000.5,
            uuid: 'AAECAwQFBgcICQoLDA0ODw==',
            data: 'aGk=',
          },
          timestamp: 1700000000.5,
          uuid: 'AAECAwQFBgcICQoLDA0ODw==',
        },
        pid: 'slave(1)@10.0.0.2:5051',
      }),
    );
    assert.deepEqual(lines, [
      'update:',
      '  framework_id: fw-1',
      '  slave_id: agent-1',
      '  status:',
      '    task_id: t1',
      '    state: TASK_RUNNING',
      '    data: "hi"',
      '    timestamp: 2023-11-14T22:13:20.500Z (1700000000.5)',
      '    uuid: 00010203-0405-0607-0809-0a0b0c0d0e0f',
      '  timestamp: 2023-11-14T22:13:20.500Z (1700000000.5)',
      '  uuid: 00010203-0405-0607-0809-0a0b0c0d0e0f',
      'pid: "slave(1)@10.0.0.2:5051"',
    ]);
  });

  it('summarises resources and lists repeated scalars', () => {
    const lines = tree(
      'mesos.internal.RegisterSlaveMessage',
      JSON.stringify({
        slave: {
          hostname: 'h',
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
            {
              name: 'ports',
              type: 'RANGES',
              ranges: { range: [{ begin: 1, end: 9 }] },
              reservations: [{ type: 'STATIC', role: 'r' }],
            },
          ],
        },
        version: '1.11.0',
      }),
    );
    assert.deepEqual(lines, ['slave:', '  hostname: "h"', '  resources: cpus:4;ports(r):[1-9]', 'version: "1.11.0"']);
  });

  it('shows unknown fields and unknown enum numbers', () => {
    const type = findType(getDefaultRoot(), 'mesos.TaskStatus')!;
    const lines = formatMessageTree(decodeWithType(type, hex('0a 03 0a 01 61 10 01 48 4d 98 06 05')), type);
    assert.deepEqual(lines, [
      'task_id: a',
      'state: TASK_RUNNING',
      '#9 (source) unknown varint: 77',
      '#99 unknown varint: 5',
    ]);
  });

  it('renders TimeInfo nanoseconds as ISO', () => {
    const lines = tree('mesos.TimeInfo', '{"nanoseconds":1700000000000000000}');
    assert.deepEqual(lines, ['nanoseconds: 1700000000000000000']);
    const holder = tree('mesos.Unavailability', '{"start":{"nanoseconds":1700000000000000000}}');
    assert.deepEqual(holder, ['start: 2023-11-14T22:13:20.000Z (1700000000000000000ns)']);
  });
});

describe('formatSchemalessTree', () => {
  it('renders fields with nested guesses', () => {
    const { fields } = decodeSchemaless(
      hex('10 01 1a 0e 0a 0a 0a 04 72 6f 6f 74 12 02 66 77 10 01 21 00 00 00 00 00 00 f0 3f'),
    );
    assert.deepEqual(formatSchemalessTree(fields), [
      '#2 varint: 1',
      '#3 len:',
      '  #1 len:',
      '    #1 len: "root"',
      '    #2 len: "fw"',
      '  #2 varint: 1',
      '#4 i64: 4607182418800017408 (double 1.0)',
    ]);
    assert.deepEqual(formatSchemalessTree(decodeSchemaless(hex('0a 03 00 ff 01')).fields), [
      '#1 len: 00 ff 01 (3 bytes)',
    ]);
  });

  it('formats uuids', () => {
    assert.equal(formatUuid(hex('000102030405060708090a0b0c0d0e0f')), '00010203-0405-0607-0809-0a0b0c0d0e0f');
  });
});

describe('schema descriptions', () => {
  it('describes a type in declaration order with labels, defaults and deprecation', () => {
    const type = findType(getDefaultRoot(), 'mesos.internal.PingSlaveMessage')!;
    assert.deepEqual(formatTypeSchema(type), [
      'message mesos.internal.PingSlaveMessage {',
      '  required bool connected = 1;',
      '}',
    ]);
    const fw = describeType(findType(getDefaultRoot(), 'mesos.FrameworkInfo')!);
    const role = fw.find((f) => f.name === 'role')!;
    assert.deepEqual(role, {
      name: 'role',
      number: 6,
      label: 'optional',
      type: 'string',
      defaultValue: '*',
      deprecated: true,
    });
    assert.equal(fw.find((f) => f.name === 'id')?.type, 'mesos.FrameworkID');
  });

  it('writes schema-less fields as JSON', () => {
    const { fields } = decodeSchemaless(hex('08 96 01 12 02 68 69 1d 00 00 80 3f'));
    assert.equal(
      schemalessToJson(fields),
      '[{"number":1,"wire_type":0,"offset":0,"value":150},' +
        '{"number":2,"wire_type":2,"offset":3,"value":"aGk=","text":"hi","message":[{"number":13,"wire_type":0,"offset":5,"value":105}]},' +
        '{"number":3,"wire_type":5,"offset":7,"value":1065353216}]',
    );
  });
});
