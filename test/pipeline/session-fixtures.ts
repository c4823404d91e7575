/**
 * Generated captures of whole Mesos sessions (fixtures/pcap/sessions/), defined once: scripts/make-pcap-fixtures.ts
 * writes them and test/pipeline/session-fixtures.test.ts checks the committed files still equal these definitions.
 *
 * Bodies are written as Mesos JSON and converted with the project's protobuf encoder (the tests assert decoded
 * fields against literals written here by hand, so a broken encoder would show). Frames carry explicit times
 * (milliseconds after FIXTURE_EPOCH) so that latencies and heartbeat silences are exact.
 */
import { encodeChunk, encodeLastChunk } from '../../src/http/encoder.ts';
import { encodeMessage as encodeLibprocessMessage } from '../../src/libprocess/encoder.ts';
import { fromMesosJson } from '../../src/proto/json-read.ts';
import { findType, getDefaultRoot } from '../../src/proto/schema.ts';
import '../../src/proto/bundle.ts';
import { encodeRecord } from '../../src/recordio/encoder.ts';
import { ascii, cat, hex } from '../helpers/bytes.ts';
import { ACCEPTED, FIXTURE_EPOCH, type GeneratedFixture } from '../helpers/pcap-fixtures.ts';
import { ethernetFrame, pcapFile, TcpConversation } from '../helpers/pcap-writer.ts';

const MASTER = { ip: '10.0.0.1', port: 5050 };
const AGENT = { ip: '10.0.0.2', port: 5051 };
const DRIVER = { ip: '10.0.0.3', port: 40123 };

/** The UPIDs of the libprocess session. The driver advertises its address behind NAT (192.168.0.3). */
export const UPIDS = {
  master: 'master@10.0.0.1:5050',
  agent: 'slave(1)@10.0.0.2:5051',
  driver: 'scheduler-1@192.168.0.3:40123',
};

/** Status update uuid of task t1 (16 bytes). */
export const UUID_T1 = '0123456789abcdef0123456789abcdef';
/** Status update uuid of task t2 (v1 session). */
export const UUID_T2 = 'fedcba9876543210fedcba9876543210';

const base64 = (hexText: string) => Buffer.from(hexText, 'hex').toString('base64');

function proto(typeName: string, json: unknown): Uint8Array {
  const type = findType(getDefaultRoot(), typeName);
  if (type === undefined) throw new Error(`no type ${typeName}`);
  return fromMesosJson(JSON.stringify(json), type);
}

/** Receiver ids -> UPIDs (the encoder writes the id into the path). */
const TO: Record<string, string> = {
  master: UPIDS.master,
  'slave(1)': UPIDS.agent,
  'scheduler-1': 'scheduler-1@10.0.0.3:40123',
  'slave-observer(1)': 'slave-observer(1)@10.0.0.1:5050',
  nobody: 'nobody@10.0.0.1:5050',
};

function message(name: string, from: string, to: string, json: unknown): Uint8Array {
  return encodeLibprocessMessage({ name, from, to: TO[to] ?? to, body: proto(name, json) });
}

/** A frame at `ms` milliseconds after the epoch. */
interface TimedFrame {
  ms: number;
  ip: Uint8Array;
}

/** Builds a pcap from frames at explicit times (sorted by time, stable). */
function timedPcap(frames: TimedFrame[]): Uint8Array {
  const ordered = frames.map((f, i) => ({ ...f, i })).sort((a, b) => a.ms - b.ms || a.i - b.i);
  return pcapFile({
    linkType: 1,
    records: ordered.map((f) => ({
      seconds: FIXTURE_EPOCH + Math.floor(f.ms / 1000),
      fraction: Math.round((f.ms % 1000) * 1000),
      data: ethernetFrame(0x0800, f.ip),
    })),
  });
}

/** Frames of one connection at given times: each step is [ms, packets]. */
class Timeline {
  readonly frames: TimedFrame[] = [];
  at(ms: number, ...packets: Uint8Array[]): this {
    for (let i = 0; i < packets.length; i++) this.frames.push({ ms: ms + i * 0.001, ip: packets[i]! });
    return this;
  }
}

const FRAMEWORK_INFO = { user: 'root', name: 'fixture-framework' };
const FW = { value: 'fw-0001' };
const AGENT_ID = { value: 'agent-0001' };

/**
 * A driver-based framework, an agent and the master over libprocess: registration (the agent registers three
 * times), an offer, ACCEPT with a launch, RunTask, TASK_RUNNING forwarded, acknowledged; plus a misbehaving peer.
 */
function libprocessSession(): Uint8Array {
  const t = new Timeline();
  // C1 agent -> master.
  const c1 = new TcpConversation({ ip: AGENT.ip, port: 41000 }, MASTER, 1000, 5000);
  const register = message('mesos.internal.RegisterSlaveMessage', UPIDS.agent, 'master', {
    slave: { hostname: 'agent-host' },
    version: '1.11.0',
  });
  t.at(0, ...c1.handshake());
  t.at(10, ...c1.send('client', register));
  t.at(11, ...c1.send('server', ACCEPTED));
  t.at(2010, ...c1.send('client', register));
  t.at(2011, ...c1.send('server', ACCEPTED));
  t.at(6010, ...c1.send('client', register));
  t.at(6011, ...c1.send('server', ACCEPTED));
  // C2 master -> agent.
  const c2 = new TcpConversation({ ip: MASTER.ip, port: 42000 }, AGENT, 2000, 6000);
  t.at(6020, ...c2.handshake());
  t.at(
    6030,
    ...c2.send(
      'client',
      message('mesos.internal.SlaveRegisteredMessage', UPIDS.master, 'slave(1)', { slave_id: AGENT_ID }),
    ),
  );
  t.at(6031, ...c2.send('server', ACCEPTED));
  // C3 driver -> master (from behind NAT: the UPID says 192.168.0.3).
  const c3 = new TcpConversation({ ip: DRIVER.ip, port: 43000 }, MASTER, 3000, 7000);
  t.at(7000, ...c3.handshake());
  t.at(
    7010,
    ...c3.send(
      'client',
      message('mesos.scheduler.Call', UPIDS.driver, 'master', {
        type: 'SUBSCRIBE',
        subscribe: { framework_info: FRAMEWORK_INFO },
      }),
    ),
  );
  t.at(7011, ...c3.send('server', ACCEPTED));
  // C4 master -> driver.
  const c4 = new TcpConversation({ ip: MASTER.ip, port: 44000 }, DRIVER, 4000, 8000);
  t.at(7020, ...c4.handshake());
  t.at(
    7030,
    ...c4.send(
      'client',
      message('mesos.internal.FrameworkRegisteredMessage', UPIDS.master, 'scheduler-1', {
        framework_id: FW,
        master_info: { id: 'master-1', ip: 16777226, port: 5050 },
      }),
    ),
  );
  t.at(7031, ...c4.send('server', ACCEPTED));
  t.at(
    7200,
    ...c4.send(
      'client',
      message('mesos.internal.ResourceOffersMessage', UPIDS.master, 'scheduler-1', {
        offers: [{ id: { value: 'o1' }, framework_id: FW, slave_id: AGENT_ID, hostname: 'agent-host' }],
        pids: [UPIDS.agent],
      }),
    ),
  );
  t.at(7201, ...c4.send('server', ACCEPTED));
  const task = { name: 't1', task_id: { value: 't1' }, slave_id: AGENT_ID };
  t.at(
    7450,
    ...c3.send(
      'client',
      message('mesos.scheduler.Call', UPIDS.driver, 'master', {
        framework_id: FW,
        type: 'ACCEPT',
        accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
      }),
    ),
  );
  t.at(7451, ...c3.send('server', ACCEPTED));
  t.at(
    7500,
    ...c2.send(
      'client',
      message('mesos.internal.RunTaskMessage', UPIDS.master, 'slave(1)', {
        framework: { ...FRAMEWORK_INFO, id: FW },
        task,
        pid: UPIDS.driver,
      }),
    ),
  );
  t.at(7501, ...c2.send('server', ACCEPTED));
  const update = {
    update: {
      framework_id: FW,
      slave_id: AGENT_ID,
      status: { task_id: { value: 't1' }, state: 'TASK_RUNNING' },
      timestamp: 1795813208.45,
      uuid: base64(UUID_T1),
    },
    pid: UPIDS.agent,
  };
  t.at(8450, ...c1.send('client', message('mesos.internal.StatusUpdateMessage', UPIDS.agent, 'master', update)));
  t.at(8451, ...c1.send('server', ACCEPTED));
  t.at(8460, ...c4.send('client', message('mesos.internal.StatusUpdateMessage', UPIDS.master, 'scheduler-1', update)));
  t.at(8461, ...c4.send('server', ACCEPTED));
  t.at(
    8700,
    ...c3.send(
      'client',
      message('mesos.scheduler.Call', UPIDS.driver, 'master', {
        framework_id: FW,
        type: 'ACKNOWLEDGE',
        acknowledge: { slave_id: AGENT_ID, task_id: { value: 't1' }, uuid: base64(UUID_T1) },
      }),
    ),
  );
  t.at(8701, ...c3.send('server', ACCEPTED));
  t.at(
    8710,
    ...c2.send(
      'client',
      message('mesos.internal.StatusUpdateAcknowledgementMessage', UPIDS.master, 'slave(1)', {
        slave_id: AGENT_ID,
        framework_id: FW,
        task_id: { value: 't1' },
        uuid: base64(UUID_T1),
      }),
    ),
  );
  t.at(8711, ...c2.send('server', ACCEPTED));
  // C5 a misbehaving peer at 10.0.0.4.
  const c5 = new TcpConversation({ ip: '10.0.0.4', port: 45000 }, MASTER, 9000, 9500);
  const notFound = ascii(
    'HTTP/1.1 404 Not Found\r\nDate: Fri, 27 Nov 2026 21:00:09 GMT\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      'Content-Length: 14\r\n\r\n404 Not Found.',
  );
  t.at(9000, ...c5.handshake());
  // A loopback UPID from another host (LIBPROCESS_IP unset, hostname resolving to 127.0.1.1).
  t.at(
    9010,
    ...c5.send(
      'client',
      message('mesos.internal.PongSlaveMessage', 'slave(2)@127.0.1.1:5051', 'slave-observer(1)', {}),
    ),
  );
  t.at(9011, ...c5.send('server', ACCEPTED));
  // User-Agent and Libprocess-From naming different senders.
  t.at(
    9020,
    ...c5.send(
      'client',
      ascii(
        'POST /master/mesos.internal.PongSlaveMessage HTTP/1.1\r\nUser-Agent: libprocess/slave(3)@10.0.0.4:5051\r\n' +
          'Libprocess-From: slave(9)@10.0.0.4:5051\r\nConnection: Keep-Alive\r\nHost: \r\n\r\n',
      ),
    ),
  );
  t.at(9021, ...c5.send('server', ACCEPTED));
  // An unknown name, and a body that is not a PingSlaveMessage (field 1 is a length-delimited 0xff run).
  t.at(
    9030,
    ...c5.send(
      'client',
      encodeLibprocessMessage({
        name: 'mesos.internal.NoSuchMessage',
        from: 'slave(3)@10.0.0.4:5051',
        to: TO['master']!,
      }),
    ),
  );
  t.at(9031, ...c5.send('server', ACCEPTED));
  t.at(
    9040,
    ...c5.send(
      'client',
      encodeLibprocessMessage({
        name: 'mesos.internal.PingSlaveMessage',
        from: 'slave(3)@10.0.0.4:5051',
        to: TO['slave(1)']!,
        body: hex('0a 05 ff ff'),
      }),
    ),
  );
  t.at(9041, ...c5.send('server', ACCEPTED));
  // A receiver id nobody has: 404.
  t.at(
    9050,
    ...c5.send(
      'client',
      encodeLibprocessMessage({
        name: 'mesos.internal.PingSlaveMessage',
        from: 'slave(3)@10.0.0.4:5051',
        to: TO['nobody']!,
        body: hex('0801'),
      }),
    ),
  );
  t.at(9051, ...c5.send('server', notFound));
  // The anonymous sender and an unspecified-address UPID.
  t.at(9060, ...c5.send('client', encodeLibprocessMessage({ name: 'PONG', from: '@0.0.0.0:0', to: TO['master']! })));
  t.at(9061, ...c5.send('server', ACCEPTED));
  t.at(
    9070,
    ...c5.send('client', encodeLibprocessMessage({ name: 'PONG', from: 'slave(4)@0.0.0.0:5051', to: TO['master']! })),
  );
  t.at(9071, ...c5.send('server', ACCEPTED));
  t.at(9080, ...c5.close());
  // C6 TLS on the master's port: ClientHello and ServerHello record headers.
  const c6 = new TcpConversation({ ip: '10.0.0.5', port: 46000 }, MASTER, 10000, 11000);
  t.at(9100, ...c6.handshake());
  t.at(9110, ...c6.send('client', hex('16 03 01 00 05 01 00 00 01 03')));
  t.at(9111, ...c6.send('server', hex('16 03 03 00 05 02 00 00 01 03')));
  t.at(9120, ...c6.close());
  t.at(9200, ...c1.close());
  t.at(9201, ...c2.close());
  t.at(9202, ...c3.close());
  t.at(9203, ...c4.close());
  return timedPcap(t.frames);
}

const SCHEDULER_EVENT = 'mesos.v1.scheduler.Event';
const FW2 = { value: 'fw-0002' };
const AGENT2 = { value: 'agent-0002' };

function chunkedRecord(json: unknown): Uint8Array {
  return encodeChunk(encodeRecord(ascii(JSON.stringify(json))));
}

/**
 * A v1 HTTP scheduler: SUBSCRIBE (JSON) and its RecordIO event stream (SUBSCRIBED, HEARTBEAT, OFFERS, UPDATE, then
 * 35 s of silence), ACCEPT and ACKNOWLEDGE on a second connection, a call from an unsubscribed framework (403), a
 * protobuf subscription with a protobuf event stream, and `GET /state`.
 */
function schedulerApiSession(): Uint8Array {
  const t = new Timeline();
  const d1 = new TcpConversation({ ip: DRIVER.ip, port: 47000 }, MASTER, 1000, 5000);
  const subscribeBody = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: FRAMEWORK_INFO } });
  t.at(0, ...d1.handshake());
  t.at(
    10,
    ...d1.send(
      'client',
      ascii(
        'POST /api/v1/scheduler HTTP/1.1\r\nHost: 10.0.0.1:5050\r\nContent-Type: application/json\r\n' +
          `Accept: application/json\r\nContent-Length: ${subscribeBody.length}\r\n\r\n${subscribeBody}`,
      ),
    ),
  );
  t.at(
    20,
    ...d1.send(
      'server',
      ascii(
        'HTTP/1.1 200 OK\r\nDate: Fri, 27 Nov 2026 21:00:00 GMT\r\nContent-Type: application/json\r\n' +
          'Mesos-Stream-Id: 11111111-2222-3333-4444-555555555555\r\nTransfer-Encoding: chunked\r\n\r\n',
      ),
      chunkedRecord({
        type: 'SUBSCRIBED',
        subscribed: { framework_id: FW2, heartbeat_interval_seconds: 15 },
      }),
    ),
  );
  t.at(21, ...d1.send('server', chunkedRecord({ type: 'HEARTBEAT' })));
  t.at(
    100,
    ...d1.send(
      'server',
      chunkedRecord({
        type: 'OFFERS',
        offers: { offers: [{ id: { value: 'o2' }, framework_id: FW2, agent_id: AGENT2, hostname: 'agent-host' }] },
      }),
    ),
  );
  const d2 = new TcpConversation({ ip: DRIVER.ip, port: 47001 }, MASTER, 2000, 6000);
  const callHead = (body: string) =>
    ascii(
      'POST /api/v1/scheduler HTTP/1.1\r\nHost: 10.0.0.1:5050\r\nContent-Type: application/json\r\n' +
        'Mesos-Stream-Id: 11111111-2222-3333-4444-555555555555\r\n' +
        `Content-Length: ${body.length}\r\n\r\n${body}`,
    );
  const accepted = ascii('HTTP/1.1 202 Accepted\r\nDate: Fri, 27 Nov 2026 21:00:00 GMT\r\nContent-Length: 0\r\n\r\n');
  t.at(290, ...d2.handshake());
  const accept = JSON.stringify({
    framework_id: FW2,
    type: 'ACCEPT',
    accept: {
      offer_ids: [{ value: 'o2' }],
      operations: [
        { type: 'LAUNCH', launch: { task_infos: [{ name: 't2', task_id: { value: 't2' }, agent_id: AGENT2 }] } },
      ],
    },
  });
  t.at(300, ...d2.send('client', callHead(accept)));
  t.at(302, ...d2.send('server', accepted));
  t.at(
    1200,
    ...d1.send(
      'server',
      chunkedRecord({
        type: 'UPDATE',
        update: {
          status: { task_id: { value: 't2' }, state: 'TASK_RUNNING', agent_id: AGENT2, uuid: base64(UUID_T2) },
        },
      }),
    ),
  );
  const acknowledge = JSON.stringify({
    framework_id: FW2,
    type: 'ACKNOWLEDGE',
    acknowledge: { agent_id: AGENT2, task_id: { value: 't2' }, uuid: base64(UUID_T2) },
  });
  t.at(1300, ...d2.send('client', callHead(acknowledge)));
  t.at(1301, ...d2.send('server', accepted));
  t.at(1400, ...d2.close());
  // D3: a framework that never subscribed.
  const d3 = new TcpConversation({ ip: '10.0.0.6', port: 47002 }, MASTER, 3000, 7000);
  const decline = JSON.stringify({ framework_id: { value: 'fw-9999' }, type: 'DECLINE', decline: { offer_ids: [] } });
  t.at(2000, ...d3.handshake());
  t.at(2010, ...d3.send('client', callHead(decline)));
  t.at(
    2011,
    ...d3.send(
      'server',
      ascii(
        'HTTP/1.1 403 Forbidden\r\nDate: Fri, 27 Nov 2026 21:00:02 GMT\r\nContent-Type: text/plain; charset=utf-8\r\n' +
          'Content-Length: 27\r\n\r\nFramework is not subscribed',
      ),
    ),
  );
  t.at(2020, ...d3.close());
  // D4: a protobuf subscription.
  const d4 = new TcpConversation({ ip: '10.0.0.7', port: 47003 }, MASTER, 4000, 8000);
  const subscribeProto = proto('mesos.v1.scheduler.Call', {
    type: 'SUBSCRIBE',
    subscribe: { framework_info: { user: 'root', name: 'proto-framework' } },
  });
  t.at(3000, ...d4.handshake());
  t.at(
    3010,
    ...d4.send(
      'client',
      cat(
        'POST /api/v1/scheduler HTTP/1.1\r\nHost: 10.0.0.1:5050\r\nContent-Type: application/x-protobuf\r\n' +
          `Accept: application/x-protobuf\r\nContent-Length: ${subscribeProto.length}\r\n\r\n`,
        subscribeProto,
      ),
    ),
  );
  t.at(
    3020,
    ...d4.send(
      'server',
      ascii(
        'HTTP/1.1 200 OK\r\nDate: Fri, 27 Nov 2026 21:00:03 GMT\r\nContent-Type: application/x-protobuf\r\n' +
          'Mesos-Stream-Id: 66666666-7777-8888-9999-000000000000\r\nTransfer-Encoding: chunked\r\n\r\n',
      ),
      encodeChunk(
        encodeRecord(
          proto(SCHEDULER_EVENT, {
            type: 'SUBSCRIBED',
            subscribed: { framework_id: { value: 'fw-0003' }, heartbeat_interval_seconds: 15 },
          }),
        ),
      ),
      encodeChunk(encodeRecord(proto(SCHEDULER_EVENT, { type: 'HEARTBEAT' }))),
      encodeLastChunk(),
    ),
  );
  t.at(3030, ...d4.close());
  // D5: a plain endpoint.
  const d5 = new TcpConversation({ ip: '10.0.0.8', port: 47004 }, MASTER, 5000, 9000);
  t.at(4000, ...d5.handshake());
  t.at(4010, ...d5.send('client', ascii('GET /state HTTP/1.1\r\nHost: 10.0.0.1:5050\r\n\r\n')));
  t.at(
    4011,
    ...d5.send(
      'server',
      ascii(
        'HTTP/1.1 200 OK\r\nDate: Fri, 27 Nov 2026 21:00:04 GMT\r\nContent-Type: application/json\r\n' +
          'Content-Length: 20\r\n\r\n{"version":"1.11.0"}',
      ),
    ),
  );
  t.at(4020, ...d5.close());
  // Back on D1: one heartbeat on time, then 35 s of silence (two intervals are 30 s), then the stream ends.
  t.at(15021, ...d1.send('server', chunkedRecord({ type: 'HEARTBEAT' })));
  t.at(50021, ...d1.send('server', chunkedRecord({ type: 'HEARTBEAT' })));
  t.at(50030, ...d1.send('server', encodeLastChunk()));
  t.at(50040, ...d1.close());
  return timedPcap(t.frames);
}

/** Every session fixture (written to fixtures/pcap/sessions/). */
export const SESSION_PCAP_FIXTURES: GeneratedFixture[] = [
  {
    name: 'libprocess-session.pcap',
    description:
      'Agent, master and a driver framework over libprocess: registrations (three from the agent), an offer, ACCEPT ' +
      'with a launch, RunTask, TASK_RUNNING forwarded and acknowledged; the driver advertises a NATed UPID; a peer ' +
      'sending a loopback UPID, mismatched sender headers, an unknown name, an undecodable body, a message to an ' +
      'unknown actor (404) and 0.0.0.0 UPIDs; a TLS connection.',
    bytes: libprocessSession,
  },
  {
    name: 'scheduler-api.pcap',
    description:
      'v1 scheduler API: JSON SUBSCRIBE and its RecordIO event stream (SUBSCRIBED, HEARTBEAT, OFFERS, UPDATE, a 35 s ' +
      'silence), ACCEPT and ACKNOWLEDGE on another connection, a 403 to an unsubscribed framework, a protobuf ' +
      'subscription and stream, GET /state.',
    bytes: schedulerApiSession,
  },
];
