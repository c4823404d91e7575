/**
 * Throughput of the mock master's simulation core alone (no protocol, no I/O): F frameworks launch T tasks in
 * all on A agents, acknowledging every status update, until every task has FINISHED and been acknowledged.
 * Reports wall-clock tasks/s and tasks per CPU-second (each task = offer share, launch, STARTING, RUNNING, FINISHED, 3 acks), outputs/s,
 * and the p50/p99 wall time of one `execute()` call (calls made from inside output listeners included). Median of
 * several rounds, and the best round (less sensitive to a loaded machine).
 *
 *   node --conditions=mesos-wire-source bench/mock-core.ts [--frameworks 100] [--tasks 10000] [--agents 100]
 *        [--rounds 5] [--no-log]
 *
 * `--no-log` turns the decoded log off (`maxLogEntries: 0`) to show its cost.
 */
import { MasterSimulation, type Offer, type TaskInfo } from '../src/mock/core/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const FRAMEWORKS = arg('frameworks', 100);
const TASKS = arg('tasks', 10_000);
const AGENTS = arg('agents', 100);
const ROUNDS = arg('rounds', 5);
const NO_LOG = process.argv.includes('--no-log');

interface RoundResult {
  wallMs: number;
  /** Process CPU time (user + system) during the round: steadier than wall time on a shared machine. */
  cpuMs: number;
  virtualMs: number;
  outputs: number;
  executeMs: number[];
}

function round(): RoundResult {
  const sim = new MasterSimulation({
    masterId: 'bench',
    agents: AGENTS,
    resources: 'cpus:64;mem:262144;disk:100000',
    ...(NO_LOG ? { maxLogEntries: 0 } : {}),
  });
  const perFramework = Math.ceil(TASKS / FRAMEWORKS);
  const launched = new Map<string, number>();
  const finished = { count: 0 };
  const executeMs: number[] = [];
  let outputs = 0;
  const timed = (fn: () => void): void => {
    const t0 = performance.now();
    fn();
    executeMs.push(performance.now() - t0);
  };

  const task = (fw: string, n: number, offer: Offer): TaskInfo => ({
    name: `${fw}-${n}`,
    task_id: { value: `${fw}-${n}` },
    slave_id: offer.slave_id,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: '*' },
      { name: 'mem', type: 'SCALAR', scalar: { value: 128 }, role: '*' },
    ],
    command: { value: 'true' },
  });

  sim.onOutput((o) => {
    outputs++;
    if (o.target !== 'framework' || o.framework_id === undefined) return;
    const fw = o.framework_id;
    const from = o.to;
    const ev = o.event;
    if (ev.type === 'OFFERS') {
      for (const offer of ev.offers) {
        const done = launched.get(fw) ?? 0;
        const cpus = offer.resources.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;
        const fit = Math.min(perFramework - done, Math.floor(cpus / 0.5));
        if (fit <= 0) {
          timed(() =>
            sim.execute({
              type: 'DECLINE',
              framework_id: { value: fw },
              from,
              offer_ids: [offer.id],
              filters: { refuse_seconds: 3600 },
            }),
          );
          continue;
        }
        const tasks = Array.from({ length: fit }, (_, i) => task(fw, done + i, offer));
        launched.set(fw, done + fit);
        timed(() =>
          sim.execute({
            type: 'ACCEPT',
            framework_id: { value: fw },
            from,
            offer_ids: [offer.id],
            operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
            filters: { refuse_seconds: 0 },
          }),
        );
      }
    } else if (ev.type === 'UPDATE' && ev.update.uuid !== undefined) {
      if (ev.update.status.state === 'TASK_FINISHED') finished.count++;
      const u = ev.update;
      timed(() =>
        sim.execute({
          type: 'ACKNOWLEDGE',
          framework_id: { value: fw },
          from,
          slave_id: u.slave_id!,
          task_id: u.status.task_id,
          uuid: u.uuid!,
        }),
      );
    }
  });

  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < FRAMEWORKS; i++) {
    timed(() =>
      sim.execute({
        type: 'SUBSCRIBE',
        from: { kind: 'pid', pid: `scheduler-${i}@127.0.0.1:${20000 + i}` },
        framework_info: { user: 'bench', name: `fw-${i}` },
      }),
    );
  }
  const total = perFramework * FRAMEWORKS;
  const virtualStart = sim.clock.now();
  while (finished.count < total) {
    sim.advance(100);
    if (sim.clock.now() - virtualStart > 3_600_000) throw new Error(`stuck at ${finished.count}/${total} finished`);
  }
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  sim.stop();
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    virtualMs: sim.clock.now() - virtualStart,
    outputs,
    executeMs,
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

round(); // warm-up
const results = Array.from({ length: ROUNDS }, round);
const total = Math.ceil(TASKS / FRAMEWORKS) * FRAMEWORKS;
const wall = median(results.map((r) => r.wallMs));
const best = Math.min(...results.map((r) => r.wallMs));
const cpu = median(results.map((r) => r.cpuMs));
const outputs = median(results.map((r) => r.outputs));
const allExecute = results.flatMap((r) => r.executeMs);
const lines = [
  `mock-core: ${FRAMEWORKS} frameworks, ${total} tasks, ${AGENTS} agents, log ${NO_LOG ? 'off' : 'on'}, median of ${ROUNDS}`,
  `  wall            ${wall.toFixed(1)} ms   (virtual ${(median(results.map((r) => r.virtualMs)) / 1000).toFixed(1)} s)`,
  `  tasks/s         ${Math.round((total / wall) * 1000)}   (best round ${Math.round((total / best) * 1000)})`,
  `  tasks/cpu-s     ${Math.round((total / cpu) * 1000)}   (median CPU ${cpu.toFixed(1)} ms per round)`,
  `  outputs/s       ${Math.round((outputs / wall) * 1000)}   (${outputs} outputs per round)`,
  `  execute() p50   ${(percentile(allExecute, 50) * 1000).toFixed(1)} us   p99 ${(percentile(allExecute, 99) * 1000).toFixed(1)} us`,
];
process.stdout.write(`${lines.join('\n')}\n`);
