/**
 * A minimal scheduler driver for tests and the benchmark, built on the project's own LibprocessEndpoint: it listens
 * on its own port, sends from `scheduler-<uuid>@ip:port`, links to the master, and reads the master's messages the
 * way the C++ driver does (ignoring any whose sender is not the master it registered with).
 */
import { randomUUID } from 'node:crypto';
import { formatUpid, type MessageStyle } from '../../src/libprocess/index.ts';
import type { FrameworkInfo } from '../../src/mock/core/types.ts';
import { decodePlain, encodePlain, type PlainMessage } from '../../src/mock/protobuf.ts';
import { type InboundMessage, LibprocessEndpoint } from '../../src/transport/index.ts';

/** A message the driver received. */
export interface Received {
  name: string;
  from: string;
  message: PlainMessage;
  /** The body bytes (a view of the received data: copy to keep). */
  body: Uint8Array;
  /** performance.now() at receipt. */
  at: number;
}

interface Waiter {
  name: string;
  predicate: ((r: Received) => boolean) | undefined;
  resolve: (r: Received) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Options of `TestSchedulerDriver.start`. */
export interface DriverOptions {
  master: string;
  /** `call` (0.24+ drivers: mesos.scheduler.Call) or `legacy` (<= 0.23 messages). */
  api?: 'call' | 'legacy';
  framework?: Partial<FrameworkInfo>;
  /** Acknowledge status updates that carry a uuid and an acknowledgee (default true). */
  autoAck?: boolean;
  style?: MessageStyle;
  /** Keep received messages (default true; the benchmark turns it off). */
  keep?: boolean;
}

/** See the file comment. */
export class TestSchedulerDriver {
  readonly endpoint: LibprocessEndpoint;
  readonly id: string;
  readonly upid: string;
  readonly master: string;
  readonly api: 'call' | 'legacy';
  frameworkId: string | undefined;
  autoAck: boolean;
  /** Everything received from the master (and from agents), in order. */
  readonly received: Received[] = [];
  /** Messages dropped because they did not come from the master or an agent it named. */
  readonly ignored: Received[] = [];
  readonly #waiters: Waiter[] = [];
  /** Received messages no `next()` has taken yet (bounded). */
  readonly #unclaimed: Received[] = [];
  readonly #keep: boolean;
  readonly #framework: Partial<FrameworkInfo>;
  /** Called on every accepted message (after waiters). */
  onMessage: ((r: Received) => void) | undefined;

  private constructor(endpoint: LibprocessEndpoint, options: DriverOptions) {
    this.endpoint = endpoint;
    this.id = `scheduler-${randomUUID()}`;
    this.upid = formatUpid(endpoint.register(this.id, (m) => this.#onMessage(m)));
    this.master = options.master;
    this.api = options.api ?? 'call';
    this.autoAck = options.autoAck ?? true;
    this.#keep = options.keep ?? true;
    this.#framework = options.framework ?? {};
  }

  static async start(options: DriverOptions): Promise<TestSchedulerDriver> {
    const endpoint = await LibprocessEndpoint.listen({
      ip: '127.0.0.1',
      port: 0,
      ...(options.style === undefined ? {} : { style: options.style }),
    });
    return new TestSchedulerDriver(endpoint, options);
  }

  /** Sends a message to the master (or `to`) from the driver's UPID. */
  send(name: string, body: PlainMessage | Uint8Array, to = this.master): Promise<unknown> {
    const bytes = body instanceof Uint8Array ? body : encodePlain(name, body);
    return this.endpoint.send({ to, name, body: bytes, from: this.id });
  }

  /** A v0 `mesos.scheduler.Call` of `type` with its part (`{accept: {...}}`), carrying the framework id. */
  call(type: string, part: PlainMessage = {}): Promise<unknown> {
    const body: PlainMessage = { type, ...part };
    if (this.frameworkId !== undefined) body.framework_id = { value: this.frameworkId };
    return this.send('mesos.scheduler.Call', body);
  }

  /**
   * Registers (or re-registers with `frameworkId`/`failover`), links to the master, resolves with the answer. With
   * `retryMs` the request is sent again until answered, as the C++ driver retries registration.
   */
  async subscribe(
    options: { frameworkId?: string; failover?: boolean; timeoutMs?: number; retryMs?: number } = {},
  ): Promise<Received> {
    this.endpoint.link(this.master);
    const info: PlainMessage = { user: 'tester', name: 'mesos-wire test', failover_timeout: 0, ...this.#framework };
    if (options.frameworkId !== undefined) info.id = { value: options.frameworkId };
    const answer = this.next(
      (r) =>
        r.name === 'mesos.internal.FrameworkRegisteredMessage' ||
        r.name === 'mesos.internal.FrameworkReregisteredMessage' ||
        r.name === 'mesos.internal.FrameworkErrorMessage',
      options.timeoutMs,
    );
    const request = (): Promise<unknown> => {
      if (this.api === 'call') {
        return this.send('mesos.scheduler.Call', {
          ...(options.frameworkId === undefined ? {} : { framework_id: { value: options.frameworkId } }),
          type: 'SUBSCRIBE',
          subscribe: { framework_info: info, force: options.failover === true },
        });
      }
      if (options.frameworkId === undefined) {
        return this.send('mesos.internal.RegisterFrameworkMessage', { framework: info });
      }
      return this.send('mesos.internal.ReregisterFrameworkMessage', {
        framework: info,
        failover: options.failover === true,
      });
    };
    await request();
    const retry =
      options.retryMs === undefined ? undefined : setInterval(() => request().catch(() => {}), options.retryMs);
    try {
      const received = await answer;
      const id = (received.message.framework_id as { value?: string } | undefined)?.value;
      if (id !== undefined) this.frameworkId = id;
      return received;
    } finally {
      clearInterval(retry);
    }
  }

  /** Launches tasks on offers (Call ACCEPT with LAUNCH, or LaunchTasksMessage for legacy drivers). */
  launch(offerIds: string[], tasks: PlainMessage[], refuseSeconds = 0): Promise<unknown> {
    const offer_ids = offerIds.map((value) => ({ value }));
    const filters = { refuse_seconds: refuseSeconds };
    if (this.api === 'legacy') {
      return this.send('mesos.internal.LaunchTasksMessage', {
        framework_id: { value: this.frameworkId },
        tasks,
        filters,
        offer_ids,
      });
    }
    return this.call('ACCEPT', {
      accept: { offer_ids, operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters },
    });
  }

  /** Acknowledges one status update (Call ACKNOWLEDGE, or the legacy message to the master). */
  acknowledge(update: PlainMessage): Promise<unknown> {
    const status = update.status as PlainMessage;
    const ack = {
      slave_id: status.slave_id ?? update.slave_id,
      task_id: status.task_id,
      uuid: update.uuid,
    };
    if (this.api === 'legacy') {
      return this.send('mesos.internal.StatusUpdateAcknowledgementMessage', {
        ...ack,
        framework_id: { value: this.frameworkId },
      });
    }
    return this.call('ACKNOWLEDGE', { acknowledge: ack });
  }

  /** The oldest unclaimed received message named `name` (or matching a predicate), or the next to arrive. */
  next(match: string | ((r: Received) => boolean), timeoutMs = 5000): Promise<Received> {
    const test = typeof match === 'string' ? (r: Received) => r.name === match : match;
    const i = this.#unclaimed.findIndex(test);
    if (i >= 0) return Promise.resolve(this.#unclaimed.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        name: typeof match === 'string' ? match : '',
        predicate: typeof match === 'string' ? undefined : match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(new Error(`driver: no ${typeof match === 'string' ? match : 'matching message'} in ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    for (const w of this.#waiters.splice(0)) clearTimeout(w.timer);
    await this.endpoint.close(500);
  }

  #onMessage(inbound: InboundMessage): void {
    const from = formatUpid(inbound.from);
    let message: PlainMessage;
    try {
      message = decodePlain(inbound.name, inbound.body);
    } catch {
      return;
    }
    const received: Received = { name: inbound.name, from, message, body: inbound.body, at: performance.now() };
    // The driver only believes its master (and ExecutorToFrameworkMessage from agents, sent directly).
    const fromAgent = inbound.name === 'mesos.internal.ExecutorToFrameworkMessage' && from.startsWith('slave(');
    if (from !== this.master && !fromAgent) {
      this.ignored.push(received);
      return;
    }
    if (this.#keep) this.received.push(received);
    if (
      inbound.name.endsWith('.FrameworkRegisteredMessage') ||
      inbound.name.endsWith('.FrameworkReregisteredMessage')
    ) {
      // As the C++ driver: the id is known before any later message (offers come right behind) is handled.
      this.frameworkId = (message.framework_id as { value?: string } | undefined)?.value ?? this.frameworkId;
    }
    const waiter = this.#waiters.find((w) =>
      w.predicate !== undefined ? w.predicate(received) : w.name === received.name,
    );
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(received);
    } else if (this.#keep) {
      this.#unclaimed.push(received);
      if (this.#unclaimed.length > 10_000) this.#unclaimed.shift();
    }
    if (this.autoAck && received.name === 'mesos.internal.StatusUpdateMessage') {
      const update = message.update as PlainMessage;
      const pid = message.pid as string | undefined;
      if (update.uuid !== undefined && pid !== undefined && pid !== '@0.0.0.0:0' && pid !== '') {
        this.acknowledge(update).catch(() => {});
      }
    }
    this.onMessage?.(received);
  }
}

/** A command task using `cpus`/`mem` on the offer's agent. */
export function commandTask(id: string, agentId: string, cpus = 0.1, mem = 32): PlainMessage {
  return {
    name: id,
    task_id: { value: id },
    slave_id: { value: agentId },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
      { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
    ],
    command: { value: 'true' },
  };
}
