import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeMessage as encodeLibprocessMessage } from '../../src/libprocess/encoder.ts';
import { AutoCaptureReader } from '../../src/pcap/index.ts';
import { CaptureSessionDecoder, decodeCaptureSessions, RawSessionDecoder } from '../../src/pipeline/decode-sessions.ts';
import type { DecodedEvent } from '../../src/pipeline/events.ts';
import { ascii, assertSameBytes, cat, everySplit } from '../helpers/bytes.ts';
import { ACCEPTED } from '../helpers/pcap-fixtures.ts';
import { ethernetFrame, pcapFile, TcpConversation } from '../helpers/pcap-writer.ts';
import { describeDecoded } from './describe.ts';
import { SESSION_PCAP_FIXTURES, UUID_T1, UUID_T2 } from './session-fixtures.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'pcap');

async function decodeFile(path: string): Promise<DecodedEvent[]> {
  const events: DecodedEvent[] = [];
  await decodeCaptureSessions(join(FIXTURES, path), (e) => events.push(e));
  return events;
}

const lines = (events: DecodedEvent[]) => events.map(describeDecoded);

/** A libprocess message whose body comes in three segments (the fixtures' bodies are each whole in one). */
function spreadBodyCapture(): Uint8Array {
  const c = new TcpConversation({ ip: '10.0.0.2', port: 41000 }, { ip: '10.0.0.1', port: 5050 });
  const body = ascii('0123456789'.repeat(40));
  const bytes = encodeLibprocessMessage({
    name: 'com.example.Spread',
    from: 'slave(1)@10.0.0.2:5051',
    to: 'master@10.0.0.1:5050',
    body,
  });
  const frames = [
    ...c.handshake(),
    ...c.send('client', bytes.subarray(0, bytes.length - 250), bytes.subarray(bytes.length - 250, bytes.length - 100)),
    ...c.send('client', bytes.subarray(bytes.length - 100)),
    ...c.send('server', ACCEPTED),
  ];
  return pcapFile({
    linkType: 1,
    records: frames.map((ip, i) => ({ seconds: 1, fraction: i, data: ethernetFrame(0x0800, ip) })),
  });
}
const hexOf = (bytes: unknown) => Buffer.from(bytes as Uint8Array).toString('hex');
/** The typed message of the first event matching. */
function typedOf(events: DecodedEvent[], match: (e: DecodedEvent) => boolean): unknown {
  const event = events.find(match) as { typed?: { kind: string; message?: unknown } } | undefined;
  assert.equal(event?.typed?.kind, 'message');
  return event!.typed!.message;
}

/** A field of a decoded message by dotted path (`offers.0.id.value`). */
function pick(message: unknown, path: string): unknown {
  let value = message;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

describe('session captures', () => {
  it('the committed session fixtures equal their definitions', () => {
    for (const fixture of SESSION_PCAP_FIXTURES) {
      const committed = new Uint8Array(readFileSync(join(FIXTURES, 'sessions', fixture.name)));
      assertSameBytes(committed, fixture.bytes(), fixture.name);
    }
  });

  it('libprocess session: messages typed by wire name, 202/404 paired, anomalies as diagnostics', async () => {
    const events = await decodeFile('sessions/libprocess-session.pcap');
    assert.deepEqual(lines(events), [
      'open #1 10.0.0.2:41000>10.0.0.1:5050 f1',
      'f4 10.0.0.2:41000>10.0.0.1:5050 mesos.internal.RegisterSlaveMessage slave(1)@10.0.0.2:5051 -> master [mesos.internal.RegisterSlaveMessage]',
      'f5 10.0.0.1:5050>10.0.0.2:41000 202 answers mesos.internal.RegisterSlaveMessage@f4 [empty]',
      'f6 10.0.0.2:41000>10.0.0.1:5050 mesos.internal.RegisterSlaveMessage slave(1)@10.0.0.2:5051 -> master [mesos.internal.RegisterSlaveMessage]',
      'f7 10.0.0.1:5050>10.0.0.2:41000 202 answers mesos.internal.RegisterSlaveMessage@f6 [empty]',
      'f8 10.0.0.2:41000>10.0.0.1:5050 mesos.internal.RegisterSlaveMessage slave(1)@10.0.0.2:5051 -> master [mesos.internal.RegisterSlaveMessage]',
      'registration-repeated streamOffset=484 sender=slave(1)@10.0.0.2:5051 name=mesos.internal.RegisterSlaveMessage attempts=3 firstFrame=4 connection=1 frame=8',
      'f9 10.0.0.1:5050>10.0.0.2:41000 202 answers mesos.internal.RegisterSlaveMessage@f8 [empty]',
      'open #2 10.0.0.1:42000>10.0.0.2:5051 f10',
      'f13 10.0.0.1:42000>10.0.0.2:5051 mesos.internal.SlaveRegisteredMessage master@10.0.0.1:5050 -> slave(1) [mesos.internal.SlaveRegisteredMessage]',
      'f14 10.0.0.2:5051>10.0.0.1:42000 202 answers mesos.internal.SlaveRegisteredMessage@f13 [empty]',
      'open #3 10.0.0.3:43000>10.0.0.1:5050 f15',
      'f18 10.0.0.3:43000>10.0.0.1:5050 mesos.scheduler.Call scheduler-1@192.168.0.3:40123 -> master [mesos.scheduler.Call SUBSCRIBE]',
      'upid-address-mismatch streamOffset=0 upid=scheduler-1@192.168.0.3:40123 upidAddress=192.168.0.3 sourceAddress=10.0.0.3 reason=different-address connection=3 frame=18',
      'f19 10.0.0.1:5050>10.0.0.3:43000 202 answers mesos.scheduler.Call@f18 [empty]',
      'open #4 10.0.0.1:44000>10.0.0.3:40123 f20',
      'f23 10.0.0.1:44000>10.0.0.3:40123 mesos.internal.FrameworkRegisteredMessage master@10.0.0.1:5050 -> scheduler-1 [mesos.internal.FrameworkRegisteredMessage]',
      'f24 10.0.0.3:40123>10.0.0.1:44000 202 answers mesos.internal.FrameworkRegisteredMessage@f23 [empty]',
      'f25 10.0.0.1:44000>10.0.0.3:40123 mesos.internal.ResourceOffersMessage master@10.0.0.1:5050 -> scheduler-1 [mesos.internal.ResourceOffersMessage]',
      'f26 10.0.0.3:40123>10.0.0.1:44000 202 answers mesos.internal.ResourceOffersMessage@f25 [empty]',
      'f27 10.0.0.3:43000>10.0.0.1:5050 mesos.scheduler.Call scheduler-1@192.168.0.3:40123 -> master [mesos.scheduler.Call ACCEPT]',
      'f28 10.0.0.1:5050>10.0.0.3:43000 202 answers mesos.scheduler.Call@f27 [empty]',
      'f29 10.0.0.1:42000>10.0.0.2:5051 mesos.internal.RunTaskMessage master@10.0.0.1:5050 -> slave(1) [mesos.internal.RunTaskMessage]',
      'f30 10.0.0.2:5051>10.0.0.1:42000 202 answers mesos.internal.RunTaskMessage@f29 [empty]',
      'f31 10.0.0.2:41000>10.0.0.1:5050 mesos.internal.StatusUpdateMessage slave(1)@10.0.0.2:5051 -> master [mesos.internal.StatusUpdateMessage]',
      'f32 10.0.0.1:5050>10.0.0.2:41000 202 answers mesos.internal.StatusUpdateMessage@f31 [empty]',
      'f33 10.0.0.1:44000>10.0.0.3:40123 mesos.internal.StatusUpdateMessage master@10.0.0.1:5050 -> scheduler-1 [mesos.internal.StatusUpdateMessage]',
      'f34 10.0.0.3:40123>10.0.0.1:44000 202 answers mesos.internal.StatusUpdateMessage@f33 [empty]',
      'f35 10.0.0.3:43000>10.0.0.1:5050 mesos.scheduler.Call scheduler-1@192.168.0.3:40123 -> master [mesos.scheduler.Call ACKNOWLEDGE]',
      'f36 10.0.0.1:5050>10.0.0.3:43000 202 answers mesos.scheduler.Call@f35 [empty]',
      'f37 10.0.0.1:42000>10.0.0.2:5051 mesos.internal.StatusUpdateAcknowledgementMessage master@10.0.0.1:5050 -> slave(1) [mesos.internal.StatusUpdateAcknowledgementMessage]',
      'f38 10.0.0.2:5051>10.0.0.1:42000 202 answers mesos.internal.StatusUpdateAcknowledgementMessage@f37 [empty]',
      'open #5 10.0.0.4:45000>10.0.0.1:5050 f39',
      'f42 10.0.0.4:45000>10.0.0.1:5050 mesos.internal.PongSlaveMessage slave(2)@127.0.1.1:5051 -> slave-observer(1) [mesos.internal.PongSlaveMessage]',
      'upid-loopback-address streamOffset=0 upid=slave(2)@127.0.1.1:5051 upidAddress=127.0.1.1 sourceAddress=10.0.0.4 connection=5 frame=42',
      'f43 10.0.0.1:5050>10.0.0.4:45000 202 answers mesos.internal.PongSlaveMessage@f42 [empty]',
      'f44 10.0.0.4:45000>10.0.0.1:5050 mesos.internal.PongSlaveMessage slave(9)@10.0.0.4:5051 -> master [mesos.internal.PongSlaveMessage]',
      'libprocess-sender-mismatch streamOffset=190 userAgent=slave(3)@10.0.0.4:5051 libprocessFrom=slave(9)@10.0.0.4:5051 connection=5 frame=44',
      'f45 10.0.0.1:5050>10.0.0.4:45000 202 answers mesos.internal.PongSlaveMessage@f44 [empty]',
      'f46 10.0.0.4:45000>10.0.0.1:5050 mesos.internal.NoSuchMessage slave(3)@10.0.0.4:5051 -> master [schemaless]',
      'message-unknown-name streamOffset=367 name=mesos.internal.NoSuchMessage connection=5 frame=46',
      'f47 10.0.0.1:5050>10.0.0.4:45000 202 answers mesos.internal.NoSuchMessage@f46 [empty]',
      'f48 10.0.0.4:45000>10.0.0.1:5050 mesos.internal.PingSlaveMessage slave(3)@10.0.0.4:5051 -> slave(1) [schemaless]',
      'body-undecodable streamOffset=753 item=mesos.internal.PingSlaveMessage code=MW_PROTO_DECODE message=mesos.internal.PingSlaveMessage: index out of range: 2 + 5 > 4 typeName=mesos.internal.PingSlaveMessage connection=5 frame=48',
      'f49 10.0.0.1:5050>10.0.0.4:45000 202 answers mesos.internal.PingSlaveMessage@f48 [empty]',
      'f50 10.0.0.4:45000>10.0.0.1:5050 mesos.internal.PingSlaveMessage slave(3)@10.0.0.4:5051 -> nobody [mesos.internal.PingSlaveMessage]',
      'f51 10.0.0.1:5050>10.0.0.4:45000 404 answers mesos.internal.PingSlaveMessage@f50 [text]',
      'libprocess-error-response streamOffset=324 status=404 name=mesos.internal.PingSlaveMessage to=nobody connection=5 frame=51',
      'f52 10.0.0.4:45000>10.0.0.1:5050 PONG @0.0.0.0:0 -> master [raw]',
      'f53 10.0.0.1:5050>10.0.0.4:45000 202 answers PONG@f52 [empty]',
      'f54 10.0.0.4:45000>10.0.0.1:5050 PONG slave(4)@0.0.0.0:5051 -> master [raw]',
      'upid-address-mismatch streamOffset=1105 upid=slave(4)@0.0.0.0:5051 upidAddress=0.0.0.0 sourceAddress=10.0.0.4 reason=unspecified-address connection=5 frame=54',
      'f55 10.0.0.1:5050>10.0.0.4:45000 202 answers PONG@f54 [empty]',
      'close #5 fin',
      'open #6 10.0.0.5:46000>10.0.0.1:5050 f59',
      'tls-encrypted connection=6 streamOffset=0 frame=62 recordType=22',
      'close #6 fin',
      'close #1 fin',
      'close #2 fin',
      'close #3 fin',
      'close #4 fin',
    ]);
  });

  it('libprocess session: typed fields, frames and capture times', async () => {
    const events = await decodeFile('sessions/libprocess-session.pcap');
    const offers = typedOf(events, (e) => e.type === 'message' && e.name === 'mesos.internal.ResourceOffersMessage');
    assert.equal(pick(offers, 'offers.0.id.value'), 'o1');
    assert.deepEqual(pick(offers, 'pids'), ['slave(1)@10.0.0.2:5051']);
    const accept = typedOf(events, (e) => e.type === 'message' && e.frame === 27);
    assert.equal(pick(accept, 'accept.offer_ids.0.value'), 'o1');
    assert.equal(pick(accept, 'accept.operations.0.launch.task_infos.0.task_id.value'), 't1');
    const update = typedOf(events, (e) => e.type === 'message' && e.frame === 31);
    assert.equal(pick(update, 'update.status.state'), 1);
    assert.equal(hexOf(pick(update, 'update.uuid')), UUID_T1);
    const ping = events.find((e) => e.type === 'message' && e.frame === 25)!;
    assert.equal(ping.type === 'message' && ping.time?.toISOString(), '2026-11-27T21:00:07.200000Z');
    assert.equal(ping.type === 'message' && ping.direction, 'client-to-server');
    assert.equal(ping.type === 'message' && ping.connection, 4);
    const reply = events.find((e) => e.type === 'response' && e.frame === 51)!;
    assert.equal(reply.type === 'response' && reply.time?.toISOString(), '2026-11-27T21:00:09.051000Z');
    assert.equal(reply.type === 'response' && new TextDecoder().decode(reply.body), '404 Not Found.');
  });

  it('v1 scheduler API: calls typed by endpoint, event streams record by record (JSON and protobuf)', async () => {
    const events = await decodeFile('sessions/scheduler-api.pcap');
    assert.deepEqual(lines(events), [
      'open #1 10.0.0.3:47000>10.0.0.1:5050 f1',
      'f4 10.0.0.3:47000>10.0.0.1:5050 POST /api/v1/scheduler [mesos.v1.scheduler.Call SUBSCRIBE (json)]',
      'f5 10.0.0.1:5050>10.0.0.3:47000 200 answers /api/v1/scheduler@f4 stream',
      'f6 record @175 [mesos.v1.scheduler.Event SUBSCRIBED (json)]',
      'f7 record @288 [mesos.v1.scheduler.Event HEARTBEAT (json)]',
      'f8 record @317 [mesos.v1.scheduler.Event OFFERS (json)]',
      'open #2 10.0.0.3:47001>10.0.0.1:5050 f9',
      'f12 10.0.0.3:47001>10.0.0.1:5050 POST /api/v1/scheduler [mesos.v1.scheduler.Call ACCEPT (json)]',
      'f13 10.0.0.1:5050>10.0.0.3:47001 202 answers /api/v1/scheduler@f12 [empty]',
      'f14 record @481 [mesos.v1.scheduler.Event UPDATE (json)]',
      'f15 10.0.0.3:47001>10.0.0.1:5050 POST /api/v1/scheduler [mesos.v1.scheduler.Call ACKNOWLEDGE (json)]',
      'f16 10.0.0.1:5050>10.0.0.3:47001 202 answers /api/v1/scheduler@f15 [empty]',
      'close #2 fin',
      'open #3 10.0.0.6:47002>10.0.0.1:5050 f20',
      'f23 10.0.0.6:47002>10.0.0.1:5050 POST /api/v1/scheduler [mesos.v1.scheduler.Call DECLINE (json)]',
      'f24 10.0.0.1:5050>10.0.0.6:47002 403 answers /api/v1/scheduler@f23 [text]',
      'scheduler-not-subscribed streamOffset=0 call=DECLINE reason=Framework is not subscribed connection=3 frame=24',
      'close #3 fin',
      'open #4 10.0.0.7:47003>10.0.0.1:5050 f28',
      'f31 10.0.0.7:47003>10.0.0.1:5050 POST /api/v1/scheduler [mesos.v1.scheduler.Call SUBSCRIBE]',
      'f32 10.0.0.1:5050>10.0.0.7:47003 200 answers /api/v1/scheduler@f31 stream',
      'f33 record @181 [mesos.v1.scheduler.Event SUBSCRIBED]',
      'f34 record @213 [mesos.v1.scheduler.Event HEARTBEAT]',
      'f35 stream-end @0 records=2 bytes=31',
      'close #4 fin',
      'open #5 10.0.0.8:47004>10.0.0.1:5050 f39',
      'f42 10.0.0.8:47004>10.0.0.1:5050 GET /state [empty]',
      'f43 10.0.0.1:5050>10.0.0.8:47004 200 answers /state@f42 [text]',
      'close #5 fin',
      'f47 record @646 [mesos.v1.scheduler.Event HEARTBEAT (json)]',
      'heartbeat-missed streamOffset=0 intervalSeconds=15 silentSeconds=35 connection=1 frame=48',
      'f48 record @675 [mesos.v1.scheduler.Event HEARTBEAT (json)]',
      'f49 stream-end @0 records=6 bytes=493',
      'close #1 fin',
    ]);
    const subscribed = typedOf(events, (e) => e.type === 'record' && e.frame === 6);
    assert.deepEqual(pick(subscribed, 'subscribed.framework_id'), { value: 'fw-0002' });
    assert.equal(pick(subscribed, 'subscribed.heartbeat_interval_seconds'), 15);
    const offers = typedOf(events, (e) => e.type === 'record' && e.frame === 8);
    assert.equal(pick(offers, 'offers.offers.0.id.value'), 'o2');
    const update = typedOf(events, (e) => e.type === 'record' && e.frame === 14);
    assert.equal(hexOf(pick(update, 'update.status.uuid')), UUID_T2);
    const proto = typedOf(events, (e) => e.type === 'record' && e.frame === 33);
    assert.equal(pick(proto, 'subscribed.framework_id.value'), 'fw-0003');
    const record = events.find((e) => e.type === 'record' && e.frame === 8)!;
    assert.equal(record.type === 'record' && record.time?.toISOString(), '2026-11-27T21:00:00.100000Z');
  });

  it('real capture (dumpcap pcapng, nanoseconds): the SUBSCRIBE stream typed record by record', async () => {
    const events = await decodeFile('real/lo-dumpcap.pcapng');
    const records = events.filter((e) => e.type === 'record' || e.type === 'stream-end').map(describeDecoded);
    assert.deepEqual(records, [
      'f27 record @175 [mesos.v1.scheduler.Event SUBSCRIBED (json)]',
      'f29 record @294 [mesos.v1.scheduler.Event HEARTBEAT (json)]',
      'f31 record @323 [mesos.v1.scheduler.Event HEARTBEAT (json)]',
      'f33 stream-end @0 records=3 bytes=159',
    ]);
    // Nine fraction digits: the capture's full precision.
    const time = events.find((e) => e.type === 'record')!.time!.toISOString();
    assert.match(time, /^2026-11-27T\d\d:\d\d:\d\d\.\d{9}Z$/);
    const mismatch = events.filter((e) => e.type === 'diagnostic').map(describeDecoded);
    assert.deepEqual(mismatch, [
      'upid-address-mismatch streamOffset=0 upid=master@10.0.0.1:5050 upidAddress=10.0.0.1 sourceAddress=127.0.0.1 reason=loopback-connection connection=1 frame=4',
      'upid-address-mismatch streamOffset=313 upid=slave-observer(1)@10.0.0.1:5050 upidAddress=10.0.0.1 sourceAddress=127.0.0.1 reason=loopback-connection connection=1 frame=8',
      'upid-address-mismatch streamOffset=563 upid=slave(1)@10.0.0.2:5051 upidAddress=10.0.0.2 sourceAddress=127.0.0.1 reason=loopback-connection connection=1 frame=10',
    ]);
  });

  const ITEMS = (events: DecodedEvent[]) =>
    lines(events.filter((e) => e.type !== 'open' && e.type !== 'close' && e.type !== 'diagnostic'));
  const PING_TO_AGENT =
    '10.0.0.1:40000>10.0.0.2:5051 mesos.internal.PingSlaveMessage slave-observer(1)@10.0.0.1:5050 -> slave(1) [mesos.internal.PingSlaveMessage]';
  const PONG = (flow: string) =>
    `${flow} mesos.internal.PongSlaveMessage slave(1)@10.0.0.2:5051 -> slave-observer(1) [mesos.internal.PongSlaveMessage]`;
  const ANOMALIES: Record<string, string[]> = {
    'reorder.pcap': [
      `f4 ${PING_TO_AGENT}`,
      'f7 10.0.0.2:5051>10.0.0.1:40000 202 answers mesos.internal.PingSlaveMessage@f4 [empty]',
    ],
    'duplicate.pcap': [
      `f4 ${PING_TO_AGENT}`,
      'f9 10.0.0.2:5051>10.0.0.1:40000 202 answers mesos.internal.PingSlaveMessage@f4 [empty]',
    ],
    'retransmission-conflict.pcap': [
      `f4 ${PING_TO_AGENT}`,
      'f8 10.0.0.2:5051>10.0.0.1:40000 202 answers mesos.internal.PingSlaveMessage@f4 [empty]',
    ],
    // The cut Ping never shows; the 202s cannot be paired once a gap is known.
    'gap.pcap': [
      'f7 10.0.0.2:5051>10.0.0.1:40000 202 [empty]',
      'f8 10.0.0.2:5051>10.0.0.1:40000 202 [empty]',
      `f6 ${PONG('10.0.0.1:40000>10.0.0.2:5051')}`,
    ],
    'snaplen-100.pcap': [],
    // Mid-connection start: the first 202 answers a request that was never captured, so none is paired.
    'midstream.pcap': [
      `f3 ${PONG('10.0.0.1:40000>10.0.0.2:5051')}`,
      'f4 10.0.0.2:5051>10.0.0.1:40000 202 [empty]',
      'f5 10.0.0.2:5051>10.0.0.1:40000 202 [empty]',
    ],
    'vlan.pcap': [
      `f4 ${PONG('10.0.0.1:40000>10.0.0.2:5051')}`,
      'f5 10.0.0.2:5051>10.0.0.1:40000 202 answers mesos.internal.PongSlaveMessage@f4 [empty]',
    ],
    'ipv6-extension-headers.pcap': [
      'f4 [fd00::1]:40000>[fd00::2]:5051 mesos.internal.PingSlaveMessage slave-observer(1)@10.0.0.1:5050 -> slave(1) [mesos.internal.PingSlaveMessage]',
      'f5 [fd00::2]:5051>[fd00::1]:40000 202 answers mesos.internal.PingSlaveMessage@f4 [empty]',
    ],
    'sll.pcap': [
      `f4 ${PONG('10.0.0.1:40000>10.0.0.2:5051')}`,
      'f5 10.0.0.2:5051>10.0.0.1:40000 202 answers mesos.internal.PongSlaveMessage@f4 [empty]',
    ],
    'sll2.pcap': [
      `f4 ${PONG('[::1]:40000>[::1]:5051')}`,
      'f5 [::1]:5051>[::1]:40000 202 answers mesos.internal.PongSlaveMessage@f4 [empty]',
    ],
  };
  for (const [name, expected] of Object.entries(ANOMALIES)) {
    it(`anomaly fixture ${name}: the messages that survive, with frames`, async () => {
      assert.deepEqual(ITEMS(await decodeFile(`generated/${name}`)), expected);
    });
  }

  it('the sender check knows loopback connections and IPv6 sources', async () => {
    const diagnostics = (await decodeFile('generated/sll2.pcap')).filter((e) => e.type === 'diagnostic');
    assert.deepEqual(lines(diagnostics), [
      'upid-address-mismatch streamOffset=0 upid=slave(1)@10.0.0.2:5051 upidAddress=10.0.0.2 sourceAddress=::1 reason=loopback-connection connection=1 frame=4',
    ]);
  });

  it('streams: each record is emitted when its packet arrives, before the capture is read to the end', () => {
    const bytes = SESSION_PCAP_FIXTURES.find((f) => f.name === 'scheduler-api.pcap')!.bytes();
    const packets: Parameters<CaptureSessionDecoder['push']>[0][] = [];
    const reader = new AutoCaptureReader();
    reader.write(bytes, (p) => packets.push(p));
    reader.end();
    const seen: string[] = [];
    const decoder = new CaptureSessionDecoder((e) => {
      if (e.type === 'record' || e.type === 'stream-end' || e.type === 'response') seen.push(describeDecoded(e));
    });
    const after = new Map<number, number>();
    for (const packet of packets) {
      decoder.push(packet);
      after.set(packet.index, seen.length);
    }
    decoder.end();
    // The head (frame 5) is shown once its body is known to be RecordIO (frame 6, with SUBSCRIBED), HEARTBEAT at
    // frame 7: long before the stream ends at frame 49.
    assert.equal(seen[0], 'f5 10.0.0.1:5050>10.0.0.3:47000 200 answers /api/v1/scheduler@f4 stream');
    assert.equal(after.get(5), 0);
    assert.equal(after.get(6), 2);
    assert.equal(after.get(7), 3);
    assert.equal(seen.at(-1), 'f49 stream-end @0 records=6 bytes=493');
  });

  it('bodies are views only of the packet that ends them: held pieces are copied when their packet ends', () => {
    let copied = 0;
    let views = 0;
    for (const fixture of [...SESSION_PCAP_FIXTURES, { name: 'spread-body', bytes: spreadBodyCapture }]) {
      const bytes = fixture.bytes();
      const inputs = new Set<ArrayBufferLike>();
      let current: ArrayBufferLike | undefined;
      const bodies: string[] = [];
      const decoder = new CaptureSessionDecoder((e) => {
        const body = (e as { body?: Uint8Array }).body;
        if (body === undefined || body.length === 0) return;
        bodies.push(hexOf(body));
        if (body.buffer === current) views++;
        else {
          assert.ok(!inputs.has(body.buffer), `${fixture.name}: a body views an earlier packet`);
          copied++;
        }
      });
      const reader = new AutoCaptureReader();
      reader.write(bytes, (p) => {
        // Each packet in a buffer of its own, as read chunks are.
        const data = p.data.slice();
        inputs.add(data.buffer);
        current = data.buffer;
        decoder.push({ ...p, data });
      });
      reader.end();
      current = undefined;
      decoder.end();
      // The same bytes as with the reader's own views.
      const reference: string[] = [];
      const referenceDecoder = new CaptureSessionDecoder((e) => {
        const body = (e as { body?: Uint8Array }).body;
        if (body !== undefined && body.length > 0) reference.push(hexOf(body));
      });
      const again = new AutoCaptureReader();
      again.write(bytes, (p) => referenceDecoder.push(p));
      again.end();
      referenceDecoder.end();
      assert.deepEqual(bodies, reference, fixture.name);
    }
    // Both kinds occur in the fixtures: bodies whole in one packet, and bodies spread over several.
    assert.ok(views > 10 && copied > 0, `views ${views}, copied ${copied}`);
  });

  it('TLS: a connection that starts with a TLS record is labelled and skipped, not parsed', async () => {
    const events = await decodeFile('sessions/libprocess-session.pcap');
    const connection6 = events.filter((e) => 'connection' in e && e.connection === 6).map(describeDecoded);
    assert.deepEqual(connection6, ['open #6 10.0.0.5:46000>10.0.0.1:5050 f59', 'close #6 fin']);
    const tls = events.filter((e) => e.type === 'diagnostic' && e.diagnostic.kind === 'tls-encrypted');
    assert.deepEqual(lines(tls), ['tls-encrypted connection=6 streamOffset=0 frame=62 recordType=22']);
  });
});

describe('decodeCaptureSessions (its reader reuses one packet object)', () => {
  it('gives every fixture the events, frames and times of a decoder fed new packet objects', async () => {
    const names = ['generated', 'real', 'sessions'].flatMap((dir) =>
      readdirSync(join(FIXTURES, dir))
        .filter((name) => /\.pcap(ng)?$/.test(name))
        .map((name) => join(dir, name)),
    );
    assert.ok(names.length > 20);
    const describeWithTime = (e: DecodedEvent) => {
      const time = 'time' in e && e.time !== undefined ? ` @${e.time?.toISOString()}` : '';
      return `${describeDecoded(e)}${time}`;
    };
    for (const name of names) {
      const plain: DecodedEvent[] = [];
      const decoder = new CaptureSessionDecoder((e) => plain.push(e));
      const reader = new AutoCaptureReader();
      let error: unknown;
      try {
        reader.write(new Uint8Array(readFileSync(join(FIXTURES, name))), (p) => decoder.push(p));
        reader.end();
      } catch (e) {
        error = e;
      }
      decoder.end();
      const reused: DecodedEvent[] = [];
      let reusedError: unknown;
      try {
        await decodeCaptureSessions(join(FIXTURES, name), (e) => reused.push(e));
      } catch (e) {
        reusedError = e;
      }
      assert.deepEqual(reused.map(describeWithTime), plain.map(describeWithTime), name);
      assert.equal(String(reusedError), String(error), name);
    }
  });
});

describe('RawSessionDecoder', () => {
  const subscribe = ascii(
    'POST /api/v1/scheduler HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"type":"SUBSCRIBE"}'.replace(
      'Content-Length: 17',
      'Content-Length: 20',
    ),
  );
  const stream = cat(
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    '17\r\n20\n{"type":"HEARTBEAT"}\r\n',
    '3\r\n20\n\r\n',
    '14\r\n{"type":"HEARTBEAT"}\r\n',
    '0\r\n\r\n',
  );
  const ping = ascii(
    'POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\nLibprocess-From: slave-observer(1)@10.0.0.1:5050\r\n' +
      'Content-Length: 2\r\n\r\n\x08\x01',
  );
  const input = cat(subscribe, stream, ping);

  function decode(pieces: Uint8Array[]): string[] {
    const out: string[] = [];
    const decoder = new RawSessionDecoder((e) => out.push(describeDecoded(e)));
    for (const piece of pieces) decoder.write(piece);
    decoder.end();
    return out;
  }

  it('one stream: request, its RecordIO response record by record (records split across chunks), a message', () => {
    assert.deepEqual(decode([input]), [
      ' POST /api/v1/scheduler [mesos.v1.scheduler.Call SUBSCRIBE (json)]',
      ' 200 answers /api/v1/scheduler stream',
      'record @190 [mesos.v1.scheduler.Event HEARTBEAT (json)]',
      'record @218 [mesos.v1.scheduler.Event HEARTBEAT (json)]',
      'stream-end @107 records=2 bytes=46',
      ' mesos.internal.PingSlaveMessage slave-observer(1)@10.0.0.1:5050 -> slave(1) [mesos.internal.PingSlaveMessage]',
    ]);
  });

  it('the same events at every split of the input', () => {
    const expected = decode([input]);
    for (const { label, pieces } of everySplit(input)) assert.deepEqual(decode(pieces), expected, label);
  });

  it('a framing error is an error event with its offset; decoding resumes at the next message', () => {
    const out = decode([cat('GARBAGE\r\n\r\n', ping)]);
    assert.equal(out[0], 'error MW_HTTP_BAD_METHOD @7');
    assert.equal(
      out.at(-1),
      ' mesos.internal.PingSlaveMessage slave-observer(1)@10.0.0.1:5050 -> slave(1) [mesos.internal.PingSlaveMessage]',
    );
  });
});
