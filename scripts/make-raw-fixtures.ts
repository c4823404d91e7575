/**
 * Writes the raw-stream fixtures in fixtures/raw/ with the project's own encoders:
 *
 *   node scripts/make-raw-fixtures.ts
 *
 * Protobuf bodies are written by hand below (field numbers from proto/; checked once with
 * `protoc --decode`, which is not needed to run this script or the tests). Output is
 * deterministic: fixed UPIDs, ids and dates.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeAcceptedResponse, encodeMessage, encodeNotFoundResponse } from '../src/libprocess/index.ts';
import { encodeRecord } from '../src/recordio/index.ts';

const OUT = fileURLToPath(new URL('../fixtures/raw/', import.meta.url));
const utf8 = new TextEncoder();

// --- a minimal protobuf writer (wire format only) ---

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const tag = (field: number, wireType: number) => varint((field << 3) | wireType);
/** A length-delimited field holding a string. */
const str = (field: number, text: string): number[] => {
  const b = utf8.encode(text);
  return [...tag(field, 2), ...varint(b.length), ...b];
};
/** A length-delimited field holding raw bytes. */
const bytesField = (field: number, b: number[]): number[] => [...tag(field, 2), ...varint(b.length), ...b];
/** A nested message field. */
const msg = (field: number, ...parts: number[][]): number[] => bytesField(field, parts.flat());
/** A varint field (uint32, enum, bool). */
const uint = (field: number, value: number | bigint): number[] => [...tag(field, 0), ...varint(value)];
/** A double field (fixed 64-bit, little-endian). */
const double = (field: number, value: number): number[] => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value, true);
  return [...tag(field, 1), ...b];
};
const body = (...parts: number[][]) => Uint8Array.from(parts.flat());

// --- the actors ---

const MASTER = 'master@10.0.0.1:5050';
const SCHEDULER = 'scheduler-5d1c0a3e-2b7f-4c9e-8a61-0f3b2c4d5e6f@10.0.0.5:40123';
const AGENT = 'slave(1)@10.0.0.2:5051';
const FRAMEWORK_ID = '4d1e3f9a-8c2b-4a7d-9e6f-1b2c3d4e5f60-0000';
const AGENT_ID = '4d1e3f9a-8c2b-4a7d-9e6f-1b2c3d4e5f60-S0';
const DATE = new Date(Date.UTC(2024, 7, 23, 18, 59, 0));

// FrameworkInfo{user=1, name=2, failover_timeout=4, checkpoint=5, hostname=7, principal=8}
const frameworkInfo = [
  str(1, 'root'),
  str(2, 'example-framework'),
  double(4, 604800),
  uint(5, 1),
  str(7, 'client.example'),
  str(8, 'example-principal'),
];

// mesos.scheduler.Call{type=2: SUBSCRIBE(1), subscribe=3{framework_info=1, force=2}}
const subscribeCall = body(uint(2, 1), msg(3, msg(1, ...frameworkInfo), uint(2, 0)));

// mesos.internal.FrameworkRegisteredMessage{framework_id=1, master_info=2{id=1, ip=2 (network order), port=3, pid=4,
// hostname=5, version=6, address=7{hostname=1, ip=2, port=3}}}
const masterInfo = [
  str(1, '4d1e3f9a-8c2b-4a7d-9e6f-1b2c3d4e5f60'),
  uint(2, 0x0100000a), // 10.0.0.1 in network byte order read as a little-endian uint32 (MESOS-1201)
  uint(3, 5050),
  str(4, MASTER),
  str(5, 'master.example'),
  str(6, '1.11.0'),
  msg(7, str(1, 'master.example'), str(2, '10.0.0.1'), uint(3, 5050)),
];
const frameworkRegistered = body(msg(1, str(1, FRAMEWORK_ID)), msg(2, ...masterInfo));

// mesos.internal.ResourceOffersMessage{offers=1 Offer{id=1, framework_id=2, slave_id=3, hostname=4,
// resources=5 Resource{name=1, type=2 SCALAR(0)/RANGES(1), scalar=3{value=1}, ranges=4{range=1{begin=1,end=2}}}}, pids=2}
const scalar = (name: string, value: number) => msg(5, str(1, name), uint(2, 0), msg(3, double(1, value)));
const offer = (n: number) =>
  msg(
    1,
    msg(1, str(1, `${FRAMEWORK_ID.slice(0, 36)}-O${n}`)),
    msg(2, str(1, FRAMEWORK_ID)),
    msg(3, str(1, AGENT_ID)),
    str(4, 'agent-1.example'),
    scalar('cpus', 4),
    scalar('mem', 15360),
    scalar('disk', 470000),
    msg(5, str(1, 'ports'), uint(2, 1), msg(4, msg(1, uint(1, 31000), uint(2, 32000)))),
  );
const resourceOffers = body(offer(1), str(2, AGENT));

// mesos.scheduler.Call{framework_id=1, type=2: DECLINE(4), decline=5{offer_ids=1, filters=2{refuse_seconds=1}}}
const declineCall = body(
  msg(1, str(1, FRAMEWORK_ID)),
  uint(2, 4),
  msg(5, msg(1, str(1, `${FRAMEWORK_ID.slice(0, 36)}-O1`)), msg(2, double(1, 5))),
);

// mesos.internal.PingSlaveMessage{connected=1: true} and the empty PongSlaveMessage.
const ping = body(uint(1, 1));

const accepted = () => encodeAcceptedResponse({ date: DATE });

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// The session, in time order: each message followed by the receiver's 202 (which in a real capture travels on the
// reverse direction of the same connection; here both are back to back in one stream, the way `decode` reads them).
const session = concat([
  encodeMessage({ name: 'mesos.scheduler.Call', from: SCHEDULER, to: MASTER, body: subscribeCall }),
  accepted(),
  encodeMessage({
    name: 'mesos.internal.FrameworkRegisteredMessage',
    from: MASTER,
    to: SCHEDULER,
    body: frameworkRegistered,
  }),
  accepted(),
  encodeMessage({
    name: 'mesos.internal.PingSlaveMessage',
    from: 'slave-observer(1)@10.0.0.1:5050',
    to: AGENT,
    body: ping,
  }),
  accepted(),
  encodeMessage({ name: 'mesos.internal.PongSlaveMessage', from: AGENT, to: 'slave-observer(1)@10.0.0.1:5050' }),
  accepted(),
  encodeMessage({ name: 'mesos.internal.ResourceOffersMessage', from: MASTER, to: SCHEDULER, body: resourceOffers }),
  accepted(),
  encodeMessage({ name: 'mesos.scheduler.Call', from: SCHEDULER, to: MASTER, body: declineCall }),
  accepted(),
]);
writeFileSync(`${OUT}libprocess-session.bin`, session);

// One message per era and style, for `decode` to tell them apart.
const styles = concat([
  encodeMessage({ name: 'mesos.internal.PingSlaveMessage', from: MASTER, to: AGENT, body: ping }, 'mesos-0.21'),
  encodeMessage({ name: 'mesos.internal.PingSlaveMessage', from: MASTER, to: AGENT, body: ping }, 'mesos-1.11'),
  encodeMessage({ name: 'mesos.internal.PingSlaveMessage', from: MASTER, to: AGENT, body: ping }, 'mesos-1.12'),
  encodeMessage({ name: 'mesos.scheduler.Call', from: SCHEDULER, to: MASTER, body: subscribeCall }, 'content-length'),
  encodeNotFoundResponse({ date: DATE }),
]);
writeFileSync(`${OUT}libprocess-styles.bin`, styles);

// A stream that breaks: a valid message, then a chunk size with a non-hex byte, then valid messages again.
const good = encodeMessage({ name: 'mesos.internal.PingSlaveMessage', from: MASTER, to: AGENT, body: ping });
const broken = utf8.encode(
  'POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\nLibprocess-From: master@10.0.0.1:5050\r\n' +
    'Transfer-Encoding: chunked\r\n\r\nzz\r\n',
);
writeFileSync(`${OUT}libprocess-corrupt.bin`, concat([good, broken, good, accepted()]));

// A stream cut in the middle of a body.
writeFileSync(`${OUT}libprocess-truncated.bin`, concat([good, accepted(), good.subarray(0, good.length - 9)]));

// v1 scheduler event stream (JSON records, as Mesos writes them for Accept: application/json).
const events = [
  `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"${FRAMEWORK_ID}"},"heartbeat_interval_seconds":15.0}}`,
  '{"type":"HEARTBEAT"}',
  `{"type":"OFFERS","offers":{"offers":[{"id":{"value":"${FRAMEWORK_ID.slice(0, 36)}-O1"},"framework_id":{"value":"${FRAMEWORK_ID}"},"agent_id":{"value":"${AGENT_ID}"},"hostname":"agent-1.example","resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":4.0}},{"name":"mem","type":"SCALAR","scalar":{"value":15360.0}}]}]}}`,
  '{"type":"HEARTBEAT"}',
];
writeFileSync(`${OUT}scheduler-events.recordio`, concat(events.map((e) => encodeRecord(e))));

// The same protobuf-encoded: Event{type=1: HEARTBEAT(8)} is 08 08 (wire-protocol.md §4.3).
const protoEvents = [
  body(uint(1, 1), msg(2, msg(1, str(1, FRAMEWORK_ID)), double(2, 15))),
  body(uint(1, 8)),
  body(uint(1, 8)),
];
writeFileSync(`${OUT}scheduler-events-protobuf.recordio`, concat(protoEvents.map((e) => encodeRecord(e))));

process.stdout.write(`wrote fixtures to ${OUT}\n`);
