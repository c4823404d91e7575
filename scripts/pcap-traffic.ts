/**
 * Real loopback traffic for the capture fixtures (run by scripts/make-pcap-fixtures.sh
 * while tcpdump/dumpcap listen). Usage:
 *
 *   node scripts/pcap-traffic.ts <host> <libprocessPort> <apiPort>
 *
 * A tiny receiver answers every libprocess message with `202 Accepted` (as real
 * libprocess does) and answers a v1 scheduler SUBSCRIBE with a chunked RecordIO stream
 * (one record per chunk, like Mesos). The sender writes hand-written message bytes
 * (wire-protocol.md §1.6 Examples A, B and C) on one keep-alive connection, reading
 * each 202 before the next message, then half-closes.
 */
import { once } from 'node:events';
import net from 'node:net';

const [host = '127.0.0.1', lpPortText = '15050', apiPortText = '15051'] = process.argv.slice(2);
const libprocessPort = Number(lpPortText);
const apiPort = Number(apiPortText);

const CRLF = '\r\n';
const b = (text: string): Buffer => Buffer.from(text, 'latin1');

const ackBody = Buffer.from(
  '0a0d0a0b32303234303130312d5330120f0a0d32303234303130312d303030301a100a0e7461736b2d303030303030303031' +
    '22108f5b1e2a447c4d6e9a3b0c1122334455',
  'hex',
);

/** Example A: StatusUpdateAcknowledgementMessage, 68-byte body, 1.12-dev headers (313 bytes). */
const exampleA = Buffer.concat([
  b(
    'POST /slave(1)/mesos.internal.StatusUpdateAcknowledgementMessage HTTP/1.1\r\n' +
      'User-Agent: libprocess/master@10.0.0.1:5050\r\n' +
      'Libprocess-From: master@10.0.0.1:5050\r\n' +
      'Connection: Keep-Alive\r\n' +
      'Host: 10.0.0.2:5051\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n44\r\n',
  ),
  ackBody,
  b('\r\n0\r\n\r\n'),
]);

/** Example B: PingSlaveMessage{connected: true} (250 bytes). */
const exampleB = b(
  'POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\n' +
    'User-Agent: libprocess/slave-observer(1)@10.0.0.1:5050\r\n' +
    'Libprocess-From: slave-observer(1)@10.0.0.1:5050\r\n' +
    'Connection: Keep-Alive\r\n' +
    'Host: 10.0.0.2:5051\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n2\r\n\x08\x01\r\n0\r\n\r\n',
);

/** Example C: PongSlaveMessage, empty body (201 bytes). */
const exampleC = b(
  'POST /slave-observer(1)/mesos.internal.PongSlaveMessage HTTP/1.1\r\n' +
    'User-Agent: libprocess/slave(1)@10.0.0.2:5051\r\n' +
    'Libprocess-From: slave(1)@10.0.0.2:5051\r\n' +
    'Connection: Keep-Alive\r\n' +
    'Host: 10.0.0.1:5050\r\n\r\n',
);

const DATE = 'Date: Fri, 27 Nov 2026 21:00:00 GMT';
const accepted = b(`HTTP/1.1 202 Accepted${CRLF}${DATE}${CRLF}Content-Length: 0${CRLF}${CRLF}`);

const subscribeBody = b('{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"pcap-fixture"}}}');
const subscribe = Buffer.concat([
  b(
    'POST /api/v1/scheduler HTTP/1.1\r\n' +
      `Host: ${host.includes(':') ? `[${host}]` : host}:${apiPort}\r\n` +
      'Content-Type: application/json\r\nAccept: application/json\r\nConnection: close\r\n' +
      `Content-Length: ${subscribeBody.length}\r\n\r\n`,
  ),
  subscribeBody,
]);

const records = [
  '{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"20261127-0000"},"heartbeat_interval_seconds":15}}',
  '{"type":"HEARTBEAT"}',
  '{"type":"HEARTBEAT"}',
];

/** Counts complete requests in `data` (chunked or bodyless; enough for the messages above). */
function completeRequests(data: string): { count: number; rest: string } {
  let count = 0;
  for (;;) {
    const headerEnd = data.indexOf('\r\n\r\n');
    if (headerEnd < 0) break;
    const head = data.slice(0, headerEnd);
    let end = headerEnd + 4;
    if (/transfer-encoding: chunked/i.test(head)) {
      const last = data.indexOf('\r\n0\r\n\r\n', headerEnd + 2);
      if (last < 0) break;
      end = last + 7;
    } else {
      const length = /content-length: (\d+)/i.exec(head);
      if (length) end += Number(length[1]);
      if (data.length < end) break;
    }
    data = data.slice(end);
    count++;
  }
  return { count, rest: data };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const libprocessServer = net.createServer((socket) => {
  let buffered = '';
  socket.on('data', (chunk) => {
    const { count, rest } = completeRequests(buffered + chunk.toString('latin1'));
    buffered = rest;
    for (let i = 0; i < count; i++) socket.write(accepted);
  });
  socket.on('end', () => socket.end());
});

const apiServer = net.createServer((socket) => {
  let buffered = '';
  socket.on('data', async (chunk) => {
    const { count, rest } = completeRequests(buffered + chunk.toString('latin1'));
    buffered = rest;
    if (count === 0) return;
    socket.write(
      b(
        `HTTP/1.1 200 OK${CRLF}${DATE}${CRLF}Content-Type: application/json${CRLF}` +
          `Mesos-Stream-Id: 5f1c0f9e-2f53-4c1e-9d7a-000000000001${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}`,
      ),
    );
    for (const record of records) {
      await sleep(20);
      const framed = `${Buffer.byteLength(record)}\n${record}`;
      socket.write(b(`${Buffer.byteLength(framed).toString(16)}${CRLF}${framed}${CRLF}`));
    }
    await sleep(20);
    socket.end(b(`0${CRLF}${CRLF}`));
  });
});

async function readReplies(socket: net.Socket, expected: number): Promise<void> {
  let seen = 0;
  while (seen < expected) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    seen += chunk.toString('latin1').split('HTTP/1.1 202').length - 1;
  }
}

async function main(): Promise<void> {
  libprocessServer.listen(libprocessPort, host);
  apiServer.listen(apiPort, host);
  await Promise.all([once(libprocessServer, 'listening'), once(apiServer, 'listening')]);

  const sender = net.connect(libprocessPort, host);
  sender.setNoDelay(true);
  await once(sender, 'connect');
  for (const message of [exampleA, exampleB, exampleC]) {
    sender.write(message);
    await readReplies(sender, 1);
    await sleep(10);
  }
  // Two messages back to back (pipelined), as libprocess writes them.
  sender.write(Buffer.concat([exampleB, exampleC]));
  await readReplies(sender, 2);
  sender.end();
  await once(sender, 'close');

  const scheduler = net.connect(apiPort, host);
  scheduler.setNoDelay(true);
  await once(scheduler, 'connect');
  scheduler.write(subscribe);
  scheduler.resume();
  await once(scheduler, 'end');
  scheduler.end();
  await once(scheduler, 'close');

  libprocessServer.close();
  apiServer.close();
}

await main();
