/**
 * v1 scheduler event streams: events per second delivered to a subscribed `SchedulerClient` by the mock master,
 * JSON against protobuf, medians of several rounds. Two measures, each on a fresh master in this process:
 *
 * - `burst`: the master writes the offers and status updates of `--tasks` tasks (one OFFERS event per task,
 *   then TASK_STARTING / TASK_RUNNING / TASK_FINISHED updates) into one open stream as fast as it can; measured
 *   from the first write to the client's last decoded event. Master encoding, HTTP chunking, loopback TCP,
 *   RecordIO and body decoding on the client are all in it.
 * - `workload`: a framework runs `--workload-tasks` tasks for real: offers from the simulation, ACCEPT calls, status
 *   updates acknowledged one call each (the acknowledgements, not the stream, bound this rate).
 *
 *   node --conditions=mesos-wire-source bench/v1-events.ts [--tasks 10000] [--workload-tasks 2000] [--rounds 5]
 *     [--no-burst] [--no-workload]
 *
 * Client and master share one process (and one core), so the figures are a lower bound for either side alone.
 */
import { SchedulerClient, type SchedulerEvent, type V1Codec } from '../src/client/index.ts';
import { bindClockToRealTime, MasterSimulation, VirtualClock } from '../src/mock/core/index.ts';
import { mountV1Apis, type V1Apis } from '../src/mock/http-api/index.ts';
import { LibprocessEndpoint } from '../src/transport/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const TASKS = arg('tasks', 10_000);
/** Tasks of the workload measure (its rate is bound by the simulation core and one call per acknowledgement). */
const WORKLOAD_TASKS = arg('workload-tasks', 2000);
const ROUNDS = arg('rounds', 5);
const WORKLOAD = !process.argv.includes('--no-workload');
const BURST = !process.argv.includes('--no-burst');

interface Master {
  url: string;
  simulation: MasterSimulation;
  apis: V1Apis;
  close(): Promise<void>;
}

async function startMaster(agents: number, resources: string): Promise<Master> {
  const endpoint = await LibprocessEndpoint.listen({ ip: '127.0.0.1', port: 0, defaultId: 'master' });
  const port = endpoint.address.port;
  const clock = new VirtualClock(Date.now());
  const simulation = new MasterSimulation({
    ip: '127.0.0.1',
    port,
    clock,
    agents,
    resources,
    allocationIntervalMs: 5,
    heartbeatIntervalMs: 60_000,
    taskTimings: { starting_ms: 1, running_ms: 1, finish_ms: 1 },
    maxLogEntries: 0,
  });
  const unbind = bindClockToRealTime(clock);
  const apis = mountV1Apis(endpoint.router, simulation);
  return {
    url: `http://127.0.0.1:${port}`,
    simulation,
    apis,
    async close() {
      apis.close();
      simulation.stop();
      unbind();
      await endpoint.close(100);
    },
  };
}

const uuid = (n: number): Uint8Array => {
  const out = new Uint8Array(16);
  new DataView(out.buffer).setUint32(12, n);
  out[6] = 0x40;
  out[8] = 0x80;
  return out;
};

/** One round of `burst`; returns events/s. */
async function burst(codec: V1Codec): Promise<number> {
  const master = await startMaster(0, '');
  const client = new SchedulerClient({
    master: master.url,
    codec,
    frameworkInfo: { user: 'bench', name: 'burst' },
    reconnect: false,
  });
  const events = client.subscribe();
  await events.next(); // SUBSCRIBED
  await events.next(); // HEARTBEAT
  const frameworkId = client.frameworkId!;
  const masterId = master.simulation.masterInfo.id;
  const agentId = { value: `${masterId}-S0` };
  const expected = TASKS * 4;
  const started = performance.now();
  // Write in slices so the client reads while the master writes (as a live master interleaves them).
  let written = 0;
  const writeSome = (): void => {
    const end = Math.min(TASKS, written + 500);
    for (let i = written; i < end; i++) {
      const taskId = { value: `task-${i}` };
      master.apis.scheduler.injectEvent(frameworkId, {
        type: 'OFFERS',
        offers: {
          offers: [
            {
              id: { value: `${masterId}-O${i}` },
              framework_id: { value: frameworkId },
              slave_id: agentId,
              hostname: 'agent-1.example',
              url: {
                scheme: 'http',
                address: { hostname: 'agent-1.example', ip: '10.0.0.1', port: 5051 },
                path: '/slave(1)',
              },
              resources: [
                { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: '*' },
                { name: 'mem', type: 'SCALAR', scalar: { value: 8192 }, role: '*' },
                { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*' },
              ],
            },
          ],
        },
      });
      for (const [k, state] of (['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'] as const).entries()) {
        master.apis.scheduler.injectEvent(frameworkId, {
          type: 'UPDATE',
          update: {
            status: {
              task_id: taskId,
              state,
              source: 'SOURCE_EXECUTOR',
              slave_id: agentId,
              executor_id: taskId,
              timestamp: 1_600_000_000 + i / 1000,
              uuid: uuid(i * 3 + k),
            },
          },
        });
      }
    }
    written = end;
    if (written < TASKS) setImmediate(writeSome);
  };
  writeSome();
  let received = 0;
  let last: SchedulerEvent | undefined;
  for (;;) {
    const step = await events.next();
    if (step.done === true) break;
    if (step.value.type === 'HEARTBEAT') continue;
    received++;
    last = step.value;
    if (received === expected) break;
  }
  const seconds = (performance.now() - started) / 1000;
  if (last?.update?.status.state !== 'TASK_FINISHED') throw new Error('burst: last event is not the last update');
  await events.return(undefined);
  await client.close();
  await master.close();
  return received / seconds;
}

/** One round of `workload`; returns events/s (every event the framework received). */
async function workload(codec: V1Codec): Promise<number> {
  const master = await startMaster(10, 'cpus:1000;mem:1000000');
  const client = new SchedulerClient({
    master: master.url,
    codec,
    frameworkInfo: { user: 'bench', name: 'workload' },
    reconnect: false,
  });
  let launched = 0;
  let finished = 0;
  let received = 0;
  const calls: Promise<unknown>[] = [];
  const started = performance.now();
  for await (const event of client.subscribe()) {
    received++;
    if (event.type === 'OFFERS') {
      for (const offer of event.offers?.offers ?? []) {
        const count = Math.min(WORKLOAD_TASKS - launched, 200);
        if (count === 0) {
          calls.push(client.call({ type: 'DECLINE', decline: { offer_ids: [offer.id] } }));
          continue;
        }
        const taskInfos = Array.from({ length: count }, () => {
          const id = `task-${launched++}`;
          return {
            name: id,
            task_id: { value: id },
            agent_id: offer.agent_id,
            resources: [
              { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
              { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
            ],
            command: { value: 'true' },
          };
        });
        calls.push(
          client.call({
            type: 'ACCEPT',
            accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: taskInfos } }] },
          }),
        );
      }
    } else if (event.type === 'UPDATE') {
      const status = event.update!.status;
      if (status.uuid !== undefined) {
        calls.push(
          client.call({
            type: 'ACKNOWLEDGE',
            acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
          }),
        );
      }
      if (status.state === 'TASK_FINISHED') finished++;
      if (finished === WORKLOAD_TASKS) {
        // The last acknowledgements go out while the framework is still subscribed.
        await Promise.all(calls);
        break;
      }
    }
    if (calls.length > 2000) calls.splice(0, calls.length, Promise.all(calls));
  }
  await Promise.all(calls);
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  await master.close();
  return received / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

process.stdout.write(
  `v1 scheduler event stream: burst ${TASKS} tasks, workload ${WORKLOAD_TASKS} tasks; median of ${ROUNDS} rounds ` +
    `(node ${process.version})\n`,
);
for (const [name, run] of [
  ...(BURST ? ([['burst', burst]] as const) : []),
  ...(WORKLOAD ? ([['workload', workload]] as const) : []),
] as const) {
  for (const codec of ['json', 'protobuf'] as V1Codec[]) {
    const rates: number[] = [];
    await run(codec); // warm-up
    for (let i = 0; i < ROUNDS; i++) rates.push(await run(codec));
    process.stdout.write(
      `${name.padEnd(9)} ${codec.padEnd(9)} ${fmt(median(rates)).padStart(10)} events/s  (rounds: ${rates.map(fmt).join(', ')})\n`,
    );
  }
}
