import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HttpDecoder, type HttpMessage } from '../../src/http/index.ts';
import { classifyRequest } from '../../src/libprocess/index.ts';
import { encodePlain, MockMaster, type MockMasterOptions, v1ApiHook } from '../../src/mock/index.ts';
import { readCaptureFile, TcpReassembler } from '../../src/pcap/index.ts';
import { decodeCaptureFile } from '../../src/pipeline/decode-capture.ts';
import { FAST, offersOf, stateOf } from './helpers.ts';
import { commandTask, TestSchedulerDriver } from './scheduler-driver.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function setup(options: MockMasterOptions = {}) {
  const master = await MockMaster.start({ agents: 2, resources: 'cpus:4;mem:4096', simulation: FAST, ...options });
  cleanups.push(() => master.close());
  return master;
}

async function driver(master: MockMaster) {
  const d = await TestSchedulerDriver.start({ master: master.upid });
  cleanups.push(() => d.close());
  return d;
}

/** A full lifecycle for one task; resolves when TASK_FINISHED arrived. */
async function runOneTask(master: MockMaster, taskId: string): Promise<TestSchedulerDriver> {
  const d = await driver(master);
  await d.subscribe();
  const offer = offersOf((await d.next('mesos.internal.ResourceOffersMessage')).message)[0]!;
  await d.launch([offer.id.value], [commandTask(taskId, offer.slave_id.value)]);
  await d.next((r) => stateOf(r.message) === 'TASK_FINISHED');
  return d;
}

function rawConnection(master: MockMaster): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(master.address.port, master.address.ip, () => resolve(socket));
    socket.on('error', reject);
    cleanups.push(async () => {
      socket.destroy();
    });
  });
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

// biome-ignore lint/suspicious/noExplicitAny: endpoint JSON is checked field by field.
type Json = any;

async function getJson(master: MockMaster, path: string): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${master.url}${path}`, { redirect: 'manual' });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

describe('MockMaster HTTP endpoints', () => {
  it('serves /master/state and its short forms with leader, leader_info, frameworks, slaves and tasks', async () => {
    const master = await setup();
    const d = await runOneTask(master, 'state-task');
    const { status, body, headers } = await getJson(master, '/master/state');
    assert.equal(status, 200);
    assert.equal(headers.get('content-type'), 'application/json');
    const { ip, port } = master.address;
    assert.equal(body.leader, master.upid);
    assert.equal(body.pid, master.upid);
    assert.equal(body.version, '1.11.0');
    assert.equal(body.activated_slaves, 2);
    assert.deepEqual(body.leader_info.address, { hostname: ip, ip, port });
    assert.equal(body.leader_info.ip, 16777343);
    assert.equal(body.leader_info.pid, master.upid);
    assert.equal(body.slaves.length, 2);
    const slave = body.slaves[0];
    assert.match(slave.pid, new RegExp(`^slave\\(1\\)@${ip.replace(/\./g, '\\.')}:${port}$`));
    assert.equal(slave.resources.cpus, 4);
    assert.equal(slave.resources.mem, 4096);
    assert.equal(slave.resources.ports, '[31000-32000]');
    assert.equal(slave.resources.disk, 10240);
    assert.equal(body.frameworks.length, 1);
    const fw = body.frameworks[0];
    assert.equal(fw.id, d.frameworkId);
    assert.equal(fw.pid, d.upid);
    assert.equal(fw.name, 'mesos-wire test');
    assert.equal(fw.active, true);
    assert.equal(fw.role, '*');
    // The resources the task left are offered again: offers carry the fields of Mesos's `json(Offer)`, in order.
    assert.ok(fw.offers.length > 0);
    for (const offer of fw.offers) {
      assert.deepEqual(Object.keys(offer), ['id', 'framework_id', 'allocation_info', 'slave_id', 'resources']);
    }
    assert.deepEqual(
      fw.completed_tasks.map((t: { id: string; state: string }) => [t.id, t.state]),
      [['state-task', 'TASK_FINISHED']],
    );
    assert.deepEqual(
      fw.completed_tasks[0].statuses.map((s: { state: string }) => s.state),
      ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'],
    );
    for (const path of ['/state', '/state.json', '/master/state.json']) {
      const short = await getJson(master, path);
      assert.equal(short.status, 200);
      assert.equal(short.body.leader, master.upid);
      assert.equal(short.body.frameworks.length, 1);
    }
  });

  it('serves /master/frameworks, /master/slaves, /version, /health and redirects like the leader', async () => {
    const master = await setup();
    await runOneTask(master, 'x');
    for (const path of ['/master/frameworks', '/frameworks']) {
      const { body } = await getJson(master, path);
      assert.deepEqual(Object.keys(body), ['frameworks', 'completed_frameworks', 'unregistered_frameworks']);
      assert.equal(body.frameworks.length, 1);
    }
    for (const path of ['/master/slaves', '/slaves']) {
      const { body } = await getJson(master, path);
      assert.equal(body.slaves.length, 2);
    }
    const version = await getJson(master, '/version');
    assert.equal(version.body.version, '1.11.0');
    const health = await fetch(`${master.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), '');
    for (const path of ['/master/redirect', '/redirect']) {
      const redirect = await fetch(`${master.url}${path}`, { redirect: 'manual' });
      assert.equal(redirect.status, 307);
      assert.equal(redirect.headers.get('location'), `//${master.address.ip}:${master.address.port}`);
    }
    assert.equal((await fetch(`${master.url}/master/nothing`)).status, 404);
  });

  it('serves the v1 APIs beside the libprocess side when mounted with v1ApiHook()', async () => {
    const master = await setup({ http: v1ApiHook() });
    const d = await runOneTask(master, 'beside-v1');
    const api = await fetch(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ type: 'GET_FRAMEWORKS' }),
    });
    assert.equal(api.status, 200);
    const body = (await api.json()) as Json;
    assert.equal(body.get_frameworks.frameworks[0].framework_info.id.value, d.frameworkId);
    assert.equal((await getJson(master, '/master/state')).body.frameworks.length, 1);
  });

  it('mounts extra routes through the http hook', async () => {
    const master = await setup({
      http: ({ router, simulation }) => {
        router.get('/extra', () => ({ status: 200, body: String(simulation.agentPids().length) }));
      },
    });
    assert.equal(await (await fetch(`${master.url}/extra`)).text(), '2');
  });
});

describe('MockMaster under bad peers', () => {
  it('garbage on one connection closes only that connection', async () => {
    const master = await setup();
    const errors: unknown[] = [];
    master.endpoint.on('connection-error', (e) => errors.push(e));
    const socket = await rawConnection(master);
    socket.write('\x00\x01GARBAGE NOT HTTP\r\n\r\n');
    await closed(socket);
    assert.equal(errors.length, 1);
    await runOneTask(master, 'after-garbage');
  });

  it('a huge message is delivered (and dropped as undecodable); an over-limit chunk closes its connection; others are served', async () => {
    const master = await setup();
    const socket = await rawConnection(master);
    const body = Buffer.alloc(4 * 1024 * 1024, 0xff);
    const head =
      'POST /master/mesos.scheduler.Call HTTP/1.1\r\nLibprocess-From: scheduler-x@127.0.0.1:1\r\n' +
      `Content-Length: ${body.length}\r\n\r\n`;
    const answered = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString('latin1'))));
    socket.write(head);
    socket.write(body);
    assert.match(await answered, /^HTTP\/1\.1 202 Accepted\r\n/);
    const record = await waitForRecord(master, (r) => r.body.length === body.length);
    assert.equal(record.message, undefined);
    assert.match(record.note ?? '', /Failed to deserialize mesos\.scheduler\.Call/);
    const second = await rawConnection(master);
    second.write(
      'POST /master/mesos.scheduler.Call HTTP/1.1\r\nLibprocess-From: scheduler-y@127.0.0.1:1\r\n' +
        'Transfer-Encoding: chunked\r\n\r\nffffffffff\r\n',
    );
    await closed(second);
    await runOneTask(master, 'after-huge');
  });

  it('a client that never reads its responses does not stop the others', async () => {
    const master = await setup();
    const socket = await rawConnection(master);
    socket.pause();
    const one = 'POST /nobody/mesos.internal.PongSlaveMessage HTTP/1.1\r\nLibprocess-From: slow@127.0.0.1:1\r\n\r\n';
    // Far more pipelined requests than the per-connection limit of pending responses: reading from it pauses.
    socket.write(one.repeat(20_000));
    await runOneTask(master, 'beside-slow');
    assert.equal(socket.destroyed, false);
  });
});

describe('MockMaster with bad peers at the same time as a framework', () => {
  it('a half-sent huge message, garbage and a non-reading client do not stall a framework mid-lifecycle', async () => {
    const master = await setup();
    const d = await driver(master);
    await d.subscribe();
    const offer = offersOf((await d.next('mesos.internal.ResourceOffersMessage')).message)[0]!;
    // While the framework is registered: a 4 MiB message whose body stops half-way (the master is left waiting
    // for the rest), garbage on a second connection, and a third that pipelines requests but never reads.
    const huge = await rawConnection(master);
    const body = Buffer.alloc(4 * 1024 * 1024, 0xff);
    huge.write(
      'POST /master/mesos.scheduler.Call HTTP/1.1\r\nLibprocess-From: scheduler-h@127.0.0.1:1\r\n' +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    huge.write(body.subarray(0, body.length / 2));
    const garbage = await rawConnection(master);
    garbage.write('\x00\x01GARBAGE NOT HTTP\r\n\r\n');
    const slow = await rawConnection(master);
    slow.pause();
    slow.write(
      'POST /nobody/mesos.internal.PongSlaveMessage HTTP/1.1\r\nLibprocess-From: slow@127.0.0.1:1\r\n\r\n'.repeat(5000),
    );
    await closed(garbage);
    // The framework launches and sees its task through while the huge message is still incomplete.
    await d.launch([offer.id.value], [commandTask('beside-bad-peers', offer.slave_id.value)]);
    await d.next((r) => stateOf(r.message) === 'TASK_FINISHED');
    assert.equal(huge.destroyed, false);
    assert.equal(slow.destroyed, false);
    assert.equal(master.log.filter((r) => r.body.length === body.length).length, 0);
    // The rest of the huge message arrives: it is answered and logged, then dropped as undecodable.
    const answered = new Promise<string>((resolve) => huge.once('data', (d) => resolve(d.toString('latin1'))));
    huge.write(body.subarray(body.length / 2));
    assert.match(await answered, /^HTTP\/1\.1 202 Accepted\r\n/);
    const record = await waitForRecord(master, (r) => r.body.length === body.length);
    assert.match(record.note ?? '', /Failed to deserialize mesos\.scheduler\.Call/);
  });
});

describe('MockMaster towards a framework that does not read', () => {
  it('bounds the outbound queue to a stuck framework and keeps serving the others', async () => {
    const master = await setup();
    // A "framework" that accepts the master's connection and never reads from it.
    const stuck = net.createServer({ pauseOnConnect: true }, () => {});
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => stuck.close(() => resolve())));
    const stuckPid = `scheduler-stuck@127.0.0.1:${(stuck.address() as net.AddressInfo).port}`;
    const big = encodePlain('mesos.internal.FrameworkErrorMessage', { message: 'x'.repeat(256 * 1024) });
    const records = [];
    for (let i = 0; i < 120; i++) {
      records.push(master.inject({ name: 'mesos.internal.FrameworkErrorMessage', body: big }, { to: stuckPid }));
    }
    // 30 MiB offered; the queue takes at most its byte bound (16 MiB) and refuses the rest.
    const refused = records.filter((r) => r.note === 'outbound queue full');
    assert.ok(refused.length > 0);
    assert.ok(refused.every((r) => r.dropped));
    await runOneTask(master, 'beside-stuck');
  });
});

describe('MockMaster captures', () => {
  it('writePcapng() produces a capture whose TCP streams decode back to the logged messages', async () => {
    const master = await setup();
    await runOneTask(master, 'captured');
    const dir = await mkdtemp(join(tmpdir(), 'mock-master-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'mock.pcapng');
    // The log as the capture is made (pcapng() runs before writePcapng's first await): the driver's last call may
    // still arrive while the file is written.
    const wire = master.log.filter((r) => r.direction !== 'internal' && !(r.direction === 'out' && r.dropped));
    await master.writePcapng(path);

    const decoded: { name: string; from: string; to: string; body: Uint8Array }[] = [];
    const responses: number[] = [];
    const decoders = new Map<string, HttpDecoder>();
    const reassembler = new TcpReassembler((event) => {
      if (event.kind !== 'data') return;
      let decoder = decoders.get(event.stream);
      if (decoder === undefined) {
        decoder = new HttpDecoder({
          onMessage: (m: HttpMessage) => {
            if (m.kind === 'response') {
              responses.push(m.status);
              return;
            }
            const c = classifyRequest(m);
            if (c.kind === 'message') {
              decoded.push({ name: c.name, from: c.fromText, to: c.to, body: m.body.slice() });
            }
          },
        });
        decoders.set(event.stream, decoder);
      }
      decoder.write(event.bytes);
    });
    const result = await readCaptureFile(path, (packet) => reassembler.push(packet));
    reassembler.end();
    assert.equal(result.format, 'pcapng');
    assert.equal(decoded.length, wire.length);
    assert.deepEqual([...decoded.map((d) => d.name)].sort(), wire.map((r) => r.name).sort());
    for (const record of wire) {
      const match = decoded.find((d) => d.name === record.name && Buffer.compare(d.body, record.body) === 0);
      assert.ok(match, `${record.name} is in the capture byte for byte`);
    }
    assert.equal(responses.length, wire.filter((r) => r.direction === 'in').length);
    assert.ok(responses.every((s) => s === 202));

    // The capture pipeline `mesos-wire decode` is built on reads it without a single diagnostic.
    const kinds = new Map<string, number>();
    await decodeCaptureFile(path, (event) => {
      const kind = event.kind === 'diagnostic' ? `diagnostic ${event.diagnostic.kind}` : event.kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    });
    assert.equal(kinds.get('http-message'), wire.length + responses.length);
    assert.deepEqual(
      [...kinds.keys()].filter((k) => k.startsWith('diagnostic')),
      [],
    );
  });
});

async function waitForRecord(master: MockMaster, predicate: (r: MockMaster['log'][number]) => boolean) {
  const found = master.log.find(predicate);
  return found ?? master.next(predicate, { timeoutMs: 5000 });
}
