/**
 * Mock master under load: N scheduler drivers (the test driver on the project's LibprocessEndpoint, each on its own
 * port, all in a worker thread) register with the mock (main thread) over real loopback sockets and launch T tasks
 * in all; every status update is acknowledged. Reports tasks/s (first SUBSCRIBE to last TASK_FINISHED) and message
 * latency percentiles in both directions: master -> driver from the mock queuing a message to the driver's handler
 * seeing it, driver -> master from the driver's send to the mock's handler (wall clocks of the two threads).
 *
 *   node --conditions=mesos-wire-source bench/mock-master.ts [--frameworks 100] [--tasks 10000] [--agents 20]
 *        [--interval 50] [--finish 5] [--batch 500]
 *
 * `--interval` is the allocation interval in ms (Mesos defaults to 1000; frameworks get new offers once per
 * interval), `--finish` the simulated task run time in ms, `--batch` the most tasks a framework launches per offer.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { MockMaster, type TrafficRecord } from '../src/mock/index.ts';
import { encodePlain } from '../src/mock/protobuf.ts';
import { commandTask, type Received, TestSchedulerDriver } from '../test/mock/scheduler-driver.ts';

interface Settings {
  frameworks: number;
  perFramework: number;
  batch: number;
  master: string;
}

interface DriverReport {
  /** [message key, wall-clock ms] of what the drivers sent and received. */
  sent: [number, number][];
  received: [number, number][];
  started: number;
  finished: number;
}

const wall = (): number => performance.timeOrigin + performance.now();

/** FNV-1a over name and body, mixed with the length: identifies a message in both threads. */
function messageKey(name: string, body: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  for (let i = 0; i < body.length; i++) h = Math.imul(h ^ body[i]!, 0x01000193);
  return (h >>> 0) * 0x10000 + (body.length & 0xffff);
}

if (isMainThread) await runMaster();
else await runDrivers(workerData as Settings);

async function runMaster(): Promise<void> {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const frameworks = arg('frameworks', 100);
  const tasks = arg('tasks', 10_000);
  const agents = arg('agents', 20);
  const interval = arg('interval', 50);
  const finish = arg('finish', 5);
  const perFramework = Math.ceil(tasks / frameworks);
  const master = await MockMaster.start({
    agents,
    resources: 'cpus:64;mem:262144',
    maxRecords: 0,
    simulation: {
      allocationIntervalMs: interval,
      taskTimings: { starting_ms: 1, running_ms: 1, finish_ms: finish },
    },
  });
  const outTimes = new Map<number, number>();
  const inTimes = new Map<number, number>();
  master.on('record', (record: TrafficRecord) => {
    if (record.direction === 'out') outTimes.set(messageKey(record.name, record.body), wall());
    else if (record.direction === 'in') inTimes.set(messageKey(record.name, record.body), wall());
  });
  let sendErrors = 0;
  master.on('send-error', () => sendErrors++);
  const eluStart = performance.eventLoopUtilization();
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { frameworks, perFramework, batch: arg('batch', 500), master: master.upid } satisfies Settings,
    execArgv: ['--conditions=mesos-wire-source'],
  });
  const report = await new Promise<DriverReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const elu = performance.eventLoopUtilization(eluStart);
  // Later failures are sends to drivers that are already gone.
  const sendErrorsDuringRun = sendErrors;
  await worker.terminate();
  const stats = master.stats;
  await master.close();

  const outLatency: number[] = [];
  for (const [key, at] of report.received) {
    const sent = outTimes.get(key);
    if (sent !== undefined) outLatency.push(at - sent);
  }
  const inLatency: number[] = [];
  for (const [key, at] of report.sent) {
    const arrived = inTimes.get(key);
    if (arrived !== undefined) inLatency.push(arrived - at);
  }
  const elapsed = (report.finished - report.started) / 1000;
  const total = perFramework * frameworks;
  const pct = (values: number[], p: number): string => {
    if (values.length === 0) return 'n/a';
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
  };
  const line = (label: string, v: number[]): string =>
    `  latency ${label} (ms): p50 ${pct(v, 50)}  p99 ${pct(v, 99)}  max ${pct(v, 100)}  (n=${v.length})`;
  console.log(
    `mock-master: ${frameworks} frameworks, ${total} tasks, ${agents} agents, allocation interval ${interval} ms, ` +
      `task run ${finish} ms`,
  );
  console.log(
    `  ${elapsed.toFixed(2)} s: ${Math.round(total / elapsed)} tasks/s ` +
      `(mock's event loop busy ${Math.round(elu.utilization * 100)}%)`,
  );
  console.log(
    `  messages: ${stats.in} in, ${stats.out} out (${Math.round((stats.in + stats.out) / elapsed)} msg/s on the wire), ` +
      `${sendErrorsDuringRun} send errors`,
  );
  console.log(line('master->driver', outLatency));
  console.log(line('driver->master', inLatency));
  console.log(line('all messages  ', [...outLatency, ...inLatency]));
}

async function runDrivers(settings: Settings): Promise<void> {
  const drivers = await Promise.all(
    Array.from({ length: settings.frameworks }, () =>
      TestSchedulerDriver.start({ master: settings.master, keep: false, autoAck: false }),
    ),
  );
  const sent: [number, number][] = [];
  const received: [number, number][] = [];
  let finishedTasks = 0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (allDone = resolve));

  const call = (d: TestSchedulerDriver, type: string, part: Record<string, unknown>): void => {
    const bytes = encodePlain('mesos.scheduler.Call', { type, framework_id: { value: d.frameworkId }, ...part });
    sent.push([messageKey('mesos.scheduler.Call', bytes), wall()]);
    d.send('mesos.scheduler.Call', bytes).catch(() => {});
  };

  for (const [index, d] of drivers.entries()) {
    let launched = 0;
    let finished = 0;
    d.onMessage = (r: Received) => {
      received.push([messageKey(r.name, r.body), performance.timeOrigin + r.at]);
      if (r.name === 'mesos.internal.ResourceOffersMessage') {
        const offers = r.message.offers as { id: { value: string }; slave_id: { value: string } }[];
        for (const offer of offers) {
          const count = Math.min(settings.perFramework - launched, settings.batch);
          if (count <= 0) {
            call(d, 'DECLINE', { decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } });
            continue;
          }
          const tasks = Array.from({ length: count }, (_, i) =>
            commandTask(`fw${index}-t${launched + i}`, offer.slave_id.value),
          );
          launched += count;
          call(d, 'ACCEPT', {
            accept: {
              offer_ids: [offer.id],
              operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
              filters: { refuse_seconds: 0 },
            },
          });
        }
      } else if (r.name === 'mesos.internal.StatusUpdateMessage') {
        const update = r.message.update as { uuid?: Uint8Array; status: Record<string, unknown> };
        if (update.uuid !== undefined && r.message.pid !== '@0.0.0.0:0') {
          call(d, 'ACKNOWLEDGE', {
            acknowledge: { slave_id: update.status.slave_id, task_id: update.status.task_id, uuid: update.uuid },
          });
        }
        if (update.status.state === 'TASK_FINISHED') {
          finished++;
          finishedTasks++;
          if (finished === settings.perFramework) call(d, 'SUPPRESS', { suppress: {} });
          if (finishedTasks === settings.perFramework * settings.frameworks) allDone();
        }
      }
    };
  }
  const started = wall();
  await Promise.all(drivers.map((d) => d.subscribe({ timeoutMs: 120_000, retryMs: 2000 })));
  await done;
  const finished = wall();
  parentPort!.postMessage({ sent, received, started, finished } satisfies DriverReport);
  await Promise.all(drivers.map((d) => d.close()));
}
