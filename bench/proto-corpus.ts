/**
 * A deterministic corpus of libprocess message bodies shaped like a running cluster's
 * traffic: mostly status updates, acknowledgements and pings, regular offers (with
 * resources and port ranges), task launches, scheduler calls and agent registrations.
 * Built from Mesos JSON templates with the project's own encoder.
 */
import '../src/proto/bundle.ts';
import { fromMesosJson } from '../src/proto/json-read.ts';
import { lookupWireName } from '../src/proto/registry.ts';
import type { PbType } from '../src/proto/schema.ts';

export interface CorpusBody {
  wireName: string;
  type: PbType;
  bytes: Uint8Array;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UUID = 'AAECAwQFBgcICQoLDA0ODw==';

function resources(r: () => number): unknown[] {
  return [
    { name: 'cpus', type: 'SCALAR', scalar: { value: Math.floor(r() * 16) + 0.5 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: Math.floor(r() * 65536) } },
    { name: 'disk', type: 'SCALAR', scalar: { value: 100000 } },
    {
      name: 'ports',
      type: 'RANGES',
      ranges: {
        range: [
          { begin: 31000, end: 31000 + Math.floor(r() * 500) },
          { begin: 32000, end: 32999 },
        ],
      },
    },
  ];
}

function templates(r: () => number, i: number): [string, unknown][] {
  const fw = { value: `fw-${(i % 7).toString(16)}-0000-1111-2222` };
  const agent = { value: `agent-${i % 50}-S0` };
  const task = { value: `task-${i}` };
  const status = {
    task_id: task,
    state: r() < 0.5 ? 'TASK_RUNNING' : 'TASK_FINISHED',
    source: 'SOURCE_EXECUTOR',
    slave_id: agent,
    executor_id: { value: `exec-${i}` },
    timestamp: 1700000000 + i / 1000,
    uuid: UUID,
    container_status: {
      container_id: { value: `c-${i}` },
      network_infos: [{ ip_addresses: [{ ip_address: '10.0.0.7' }] }],
    },
  };
  return [
    [
      'mesos.internal.StatusUpdateMessage',
      {
        update: {
          framework_id: fw,
          executor_id: { value: `exec-${i}` },
          slave_id: agent,
          status,
          timestamp: 1700000000.25,
          uuid: UUID,
        },
        pid: 'slave(1)@10.0.0.2:5051',
      },
    ],
    [
      'mesos.internal.StatusUpdateAcknowledgementMessage',
      { slave_id: agent, framework_id: fw, task_id: task, uuid: UUID },
    ],
    ['mesos.internal.PingSlaveMessage', { connected: true }],
    ['mesos.internal.PongSlaveMessage', {}],
    [
      'mesos.internal.ResourceOffersMessage',
      {
        offers: Array.from({ length: 1 + Math.floor(r() * 4) }, (_, k) => ({
          id: { value: `offer-${i}-${k}` },
          framework_id: fw,
          slave_id: agent,
          hostname: `agent${k}.example.com`,
          url: { scheme: 'http', address: { hostname: 'agent', ip: '10.0.0.2', port: 5051 }, path: '/slave(1)' },
          resources: resources(r),
          attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }],
        })),
        pids: ['slave(1)@10.0.0.2:5051'],
      },
    ],
    [
      'mesos.internal.RunTaskMessage',
      {
        framework: {
          user: 'root',
          name: 'marathon',
          id: fw,
          checkpoint: true,
          roles: ['web'],
          capabilities: [{ type: 'MULTI_ROLE' }],
        },
        task: {
          name: `task ${i}`,
          task_id: task,
          slave_id: agent,
          resources: resources(r).slice(0, 2),
          command: { value: 'sleep 1000', shell: true, environment: { variables: [{ name: 'A', value: 'b' }] } },
        },
        pid: 'scheduler-1@10.0.0.9:4000',
      },
    ],
    [
      'mesos.scheduler.Call',
      {
        framework_id: fw,
        type: 'ACCEPT',
        accept: {
          offer_ids: [{ value: `offer-${i}-0` }],
          operations: [
            {
              type: 'LAUNCH',
              launch: {
                task_infos: [{ name: 't', task_id: task, slave_id: agent, resources: resources(r).slice(0, 2) }],
              },
            },
          ],
          filters: { refuse_seconds: 5 },
        },
      },
    ],
    [
      'mesos.internal.RegisterSlaveMessage',
      {
        slave: { hostname: 'agent.example.com', port: 5051, resources: resources(r), id: agent },
        version: '1.11.0',
        agent_capabilities: [{ type: 'MULTI_ROLE' }],
      },
    ],
  ];
}

/** Weights of the templates above (status updates, acks and pings dominate). */
const WEIGHTS = [30, 25, 15, 15, 6, 4, 3, 2];

/** `count` bodies drawn from the weighted templates, same bytes on every run. */
export function buildCorpus(count: number, seed = 7): CorpusBody[] {
  const r = rng(seed);
  const total = WEIGHTS.reduce((a, b) => a + b, 0);
  const out: CorpusBody[] = [];
  const types = new Map<string, PbType>();
  for (let i = 0; i < count; i++) {
    let pick = r() * total;
    let k = 0;
    while (pick >= WEIGHTS[k]!) pick -= WEIGHTS[k++]!;
    const [wireName, json] = templates(r, i)[k]!;
    let type = types.get(wireName);
    if (type === undefined) {
      type = lookupWireName(wireName)!.type!;
      types.set(wireName, type);
    }
    out.push({ wireName, type, bytes: fromMesosJson(JSON.stringify(json), type) });
  }
  return out;
}
