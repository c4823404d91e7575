/**
 * Test harness for the simulation core: a simulation plus scripted schedulers that receive the outputs addressed
 * to their connection and can acknowledge updates automatically.
 */
import {
  type Command,
  type CommandResult,
  type FrameworkConnection,
  type FrameworkInfo,
  MasterSimulation,
  type MasterSimulationOptions,
  type Offer,
  type OperatorEvent,
  type Output,
  type SchedulerEvent,
  sameConnection,
  type TaskInfo,
  type TaskStateName,
} from '../../../src/mock/core/index.ts';

export type EventOf<T extends SchedulerEvent['type']> = Extract<SchedulerEvent, { type: T }>;

/** A simulation with every output and operator event recorded. */
export class Harness {
  readonly sim: MasterSimulation;
  readonly outputs: Output[] = [];
  readonly operator: OperatorEvent[] = [];
  #port = 40000;

  constructor(options: MasterSimulationOptions = {}) {
    this.sim = new MasterSimulation({ masterId: 'M', ...options });
    this.sim.onOutput((o) => this.outputs.push(o));
    this.sim.onOperatorEvent((e) => this.operator.push(e));
  }

  /** A driver-style scheduler at a fresh pid. */
  driver(name = 'fw', info: Partial<FrameworkInfo> = {}): Scheduler {
    return new Scheduler(
      this,
      { kind: 'pid', pid: `scheduler-${name}@127.0.0.1:${this.#port++}` },
      { user: 'root', name, ...info },
    );
  }

  /** A v1 HTTP scheduler with the given stream id. */
  http(name = 'fw', info: Partial<FrameworkInfo> = {}, streamId = `stream-${name}`): Scheduler {
    return new Scheduler(this, { kind: 'http', stream_id: streamId }, { user: 'root', name, ...info });
  }

  advance(ms: number): void {
    this.sim.advance(ms);
  }

  agentOutputs(type?: string): Output[] {
    return this.outputs.filter((o) => o.target === 'agent' && (type === undefined || o.message.type === type));
  }
}

/** A scripted scheduler: records its events, optionally acknowledges every update that carries a uuid. */
export class Scheduler {
  readonly harness: Harness;
  connection: FrameworkConnection;
  info: FrameworkInfo;
  frameworkId: string | undefined;
  readonly events: SchedulerEvent[] = [];
  autoAck = true;
  #unsubscribe: () => void;

  constructor(harness: Harness, connection: FrameworkConnection, info: FrameworkInfo) {
    this.harness = harness;
    this.connection = connection;
    this.info = info;
    this.#unsubscribe = harness.sim.onOutput((o) => {
      if (o.target !== 'framework' || !sameConnection(o.to, this.connection)) return;
      this.events.push(o.event);
      if (o.event.type === 'SUBSCRIBED') this.frameworkId = o.event.framework_id.value;
      if (o.event.type === 'UPDATE' && this.autoAck && o.event.update.uuid !== undefined) {
        const u = o.event.update;
        this.call({ type: 'ACKNOWLEDGE', slave_id: u.slave_id!, task_id: u.status.task_id, uuid: u.uuid! });
      }
    });
  }

  /** Stops receiving (a different process now holds the connection). */
  detach(): void {
    this.#unsubscribe();
  }

  subscribe(extra: { force?: boolean; suppressed_roles?: string[] } = {}): CommandResult {
    const info: FrameworkInfo = { ...this.info };
    if (this.frameworkId !== undefined) info.id = { value: this.frameworkId };
    return this.harness.sim.execute({ type: 'SUBSCRIBE', from: this.connection, framework_info: info, ...extra });
  }

  /** Sends a call for this framework (framework_id and from filled in). */
  call(
    command: DistributiveOmit<Exclude<Command, { type: 'SUBSCRIBE' | 'DISCONNECTED' }>, 'framework_id'>,
  ): CommandResult {
    return this.harness.sim.execute({
      from: this.connection,
      ...command,
      framework_id: { value: this.frameworkId ?? '' },
    } as Command);
  }

  of<T extends SchedulerEvent['type']>(type: T): EventOf<T>[] {
    return this.events.filter((e): e is EventOf<T> => e.type === type);
  }

  offers(): Offer[] {
    return this.of('OFFERS').flatMap((e) => e.offers);
  }

  /** Offers received and not yet rescinded or used by `accept`/`decline` through this helper. */
  outstanding(): Offer[] {
    const gone = new Set([...this.of('RESCIND').map((e) => e.offer_id.value), ...this.used]);
    return this.offers().filter((o) => !gone.has(o.id.value));
  }

  readonly used = new Set<string>();

  /** Launches tasks on one offer with LAUNCH. */
  launch(offer: Offer, tasks: TaskInfo[], filters?: { refuse_seconds?: number }): CommandResult {
    this.used.add(offer.id.value);
    return this.call({
      type: 'ACCEPT',
      offer_ids: [offer.id],
      operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
      ...(filters === undefined ? {} : { filters }),
    });
  }

  decline(offer: Offer, refuseSeconds?: number): CommandResult {
    this.used.add(offer.id.value);
    return this.call({
      type: 'DECLINE',
      offer_ids: [offer.id],
      ...(refuseSeconds === undefined ? {} : { filters: { refuse_seconds: refuseSeconds } }),
    });
  }

  /** States reported for a task, in order (updates with a uuid, retries collapsed). */
  states(taskId: string): TaskStateName[] {
    const seen = new Set<string>();
    const out: TaskStateName[] = [];
    for (const e of this.of('UPDATE')) {
      if (e.update.status.task_id.value !== taskId) continue;
      const key = e.update.uuid === undefined ? `m${out.length}` : Buffer.from(e.update.uuid).toString('hex');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(e.update.status.state);
    }
    return out;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A command task using `cpus`/`mem` on the offer's agent. */
export function commandTask(id: string, offer: Offer, cpus = 1, mem = 128): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    slave_id: offer.slave_id,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, role: '*' },
      { name: 'mem', type: 'SCALAR', scalar: { value: mem }, role: '*' },
    ],
    command: { value: 'true' },
  };
}

/** Scalar value of a resource in an offer (all roles). */
export function scalar(offer: Offer, name: string): number {
  return offer.resources.filter((r) => r.name === name).reduce((n, r) => n + (r.scalar?.value ?? 0), 0);
}
