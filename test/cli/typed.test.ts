import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTypeName } from '../../src/analysis/body-decode.ts';
import type { DecodeEvent } from '../../src/cli/events.ts';
import { stringifyJson } from '../../src/cli/render/body.ts';
import { eventJson } from '../../src/cli/render/json.ts';
import { encodeMessage } from '../../src/libprocess/index.ts';
import { RawStreamDecoder } from '../../src/pipeline/raw-stream.ts';
import { ascii, cat, everySplit, hex } from '../helpers/bytes.ts';
import { matchSnapshot, runCli } from './helpers.ts';

const ACK = 'mesos.internal.StatusUpdateAcknowledgementMessage';
/** wire-protocol.md §1.6 Example A: the 68-byte body (protoc-checked) and the 313-byte 1.12 request. */
const ACK_BODY =
  '0a0d0a0b32303234303130312d5330120f0a0d32303234303130312d303030301a100a0e7461736b2d30303030303030303122108f5b1e2a447c4d6e9a3b0c1122334455';
const EXAMPLE_A = cat(
  `POST /slave(1)/${ACK} HTTP/1.1\r\nUser-Agent: libprocess/master@10.0.0.1:5050\r\n`,
  'Libprocess-From: master@10.0.0.1:5050\r\nConnection: Keep-Alive\r\nHost: 10.0.0.2:5051\r\n',
  'Transfer-Encoding: chunked\r\n\r\n44\r\n',
  hex(ACK_BODY),
  '\r\n0\r\n\r\n',
);

/** The raw text of the `body` value in an ndjson line (it is followed by `typeName`). */
function rawBody(line: string): string {
  const start = line.indexOf('"body":') + '"body":'.length;
  return line.slice(start, line.indexOf(',"typeName":', start));
}

async function ndjsonLines(args: string[], input?: Uint8Array): Promise<{ lines: string[]; status: number | null }> {
  const r = await runCli([...args, '--format', 'ndjson'], input === undefined ? {} : { input });
  return { lines: r.stdout.toString('utf8').trimEnd().split('\n'), status: r.status };
}

function decodeEvents(pieces: Uint8Array[], options: ConstructorParameters<typeof RawStreamDecoder>[2] = {}) {
  const events: DecodeEvent[] = [];
  const decoder = new RawStreamDecoder('auto', (e) => events.push(e), options);
  for (const p of pieces) decoder.write(p);
  decoder.end();
  return {
    events: events.map((e) => JSON.parse(stringifyJson(eventJson(e))) as Record<string, unknown>),
    errors: decoder.errors,
  };
}

describe('decode: typed bodies in ndjson (Mesos JSON)', () => {
  it('Example A: the acknowledgement as Mesos JSON, uuid as padded base64', async () => {
    const { lines, status } = await ndjsonLines(['decode', '-'], EXAMPLE_A);
    assert.equal(status, 0);
    assert.equal(lines.length, 1);
    assert.equal(
      rawBody(lines[0]!),
      '{"slave_id":{"value":"20240101-S0"},"framework_id":{"value":"20240101-0000"},' +
        '"task_id":{"value":"task-000000001"},"uuid":"j1seKkR8TW6aOwwRIjNEVQ=="}',
    );
    const event = JSON.parse(lines[0]!);
    assert.equal(event.typeName, ACK);
    assert.equal(event.encoding, 'protobuf');
    assert.equal(event.bodyHex, ACK_BODY);
  });
  it('the session fixture: every body typed, defaults emitted as Mesos does', async () => {
    const { lines, status } = await ndjsonLines(['decode', 'fixtures/raw/libprocess-session.bin']);
    assert.equal(status, 0);
    const messages = lines.filter((l) => l.startsWith('{"type":"message"'));
    assert.deepEqual(
      messages.map((l) => JSON.parse(l).typeName),
      [
        'mesos.scheduler.Call',
        'mesos.internal.FrameworkRegisteredMessage',
        'mesos.internal.PingSlaveMessage',
        'mesos.internal.PongSlaveMessage',
        'mesos.internal.ResourceOffersMessage',
        'mesos.scheduler.Call',
      ],
    );
    assert.equal(
      rawBody(messages[0]!),
      '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"example-framework",' +
        '"failover_timeout":604800.0,"checkpoint":true,"hostname":"client.example",' +
        '"principal":"example-principal"},"force":false}}',
    );
    assert.equal(rawBody(messages[2]!), '{"connected":true}');
    assert.equal(rawBody(messages[3]!), '{}');
    assert.equal(
      rawBody(messages[5]!),
      '{"framework_id":{"value":"4d1e3f9a-8c2b-4a7d-9e6f-1b2c3d4e5f60-0000"},"type":"DECLINE",' +
        '"decline":{"offer_ids":[{"value":"4d1e3f9a-8c2b-4a7d-9e6f-1b2c3d4e5f60-O1"}],' +
        '"filters":{"refuse_seconds":5.0}}}',
    );
    // Responses without a typed body: null body, null typeName.
    const response = JSON.parse(lines[1]!);
    assert.equal(response.body, null);
    assert.equal(response.typeName, null);
  });
  it('64-bit extremes are exact bare numbers (RecordIO records of a --type)', async () => {
    const time = (varint: string) => cat(`${varint.length / 2 + 1}\n`, hex(`08${varint}`));
    const input = cat(time('80808080808080808001'), time('ffffffffffffffff7f'), time('ffffffffffffffffff01'));
    const { lines, status } = await ndjsonLines(['decode', '-', '--type', 'mesos.v1.TimeInfo'], input);
    assert.equal(status, 0);
    assert.deepEqual(lines.map(rawBody), [
      '{"nanoseconds":-9223372036854775808}',
      '{"nanoseconds":9223372036854775807}',
      '{"nanoseconds":-1}',
    ]);
    const range = cat('13\n', hex('0800' + '10ffffffffffffffffff01'));
    const ranges = await ndjsonLines(['decode', '-', '--type', 'mesos.v1.Value.Range'], range);
    assert.deepEqual(ranges.lines.map(rawBody), ['{"begin":0,"end":18446744073709551615}']);
  });
  it('PING and PONG are raw names: empty bodies are null, a PING body is a PingSlaveMessage', async () => {
    const ping = (body: Uint8Array) =>
      encodeMessage({ name: 'PING', from: 'master@10.0.0.1:5050', to: 'slave(1)@10.0.0.2:5051', body });
    const pong = encodeMessage({
      name: 'PONG',
      from: 'slave(1)@10.0.0.2:5051',
      to: 'master@10.0.0.1:5050',
      body: new Uint8Array(0),
    });
    const { lines, status } = await ndjsonLines(['decode', '-'], cat(ping(new Uint8Array(0)), ping(hex('0801')), pong));
    assert.equal(status, 0);
    assert.deepEqual(
      lines.map((l) => [JSON.parse(l).name, rawBody(l), JSON.parse(l).typeName]),
      [
        ['PING', 'null', null],
        ['PING', '{"connected":true}', 'mesos.internal.PingSlaveMessage'],
        ['PONG', 'null', null],
      ],
    );
  });
});

describe('decode: undecodable bodies', () => {
  const message = (name: string, body: Uint8Array) =>
    encodeMessage({ name, from: 'master@10.0.0.1:5050', to: 'slave(1)@10.0.0.2:5051', body }, 'mesos-1.12');
  // The 1.12 head of `message(PING_NAME, ...)` is 216 bytes (57 + 45 + 39 + 24 + 21 + 28 + 2), then "1\r\n".
  const PING_NAME = 'mesos.internal.PingSlaveMessage';

  it('a truncated body: schema-less fields plus an error record at the failing byte', async () => {
    const bytes = message(PING_NAME, hex('08'));
    assert.equal(bytes.indexOf(0x08, 200), 219);
    const { lines, status } = await ndjsonLines(['decode', '-'], bytes);
    assert.equal(status, 1);
    assert.equal(lines.length, 2);
    const event = JSON.parse(lines[0]!);
    assert.equal(event.typeName, PING_NAME);
    assert.deepEqual(event.body, {
      fields: [],
      error: { code: 'MW_PROTO_DECODE', offset: 1, message: event.body.error.message },
    });
    const error = JSON.parse(lines[1]!);
    assert.deepEqual(Object.keys(error), ['type', 'code', 'offset', 'message']);
    assert.equal(error.code, 'MW_PROTO_DECODE');
    // The varint's continuation is missing: reading failed at the body's second byte.
    assert.equal(error.offset, 220);
  });
  it('offsets skip chunk-size lines when a body spans chunks', () => {
    // connected:true, then field 2 (len) claiming 5 bytes of which 3 are there; sent as chunks of 3 and 4 bytes.
    const head = ascii(
      `POST /slave(1)/${PING_NAME} HTTP/1.1\r\nLibprocess-From: master@10.0.0.1:5050\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const stream = cat(head, '3\r\n', hex('080112'), '\r\n4\r\n', hex('05616263'), '\r\n0\r\n\r\n');
    const expected = decodeEvents([stream]);
    assert.equal(expected.errors, 1);
    const error = expected.events[1]!;
    assert.equal(error.code, 'MW_PROTO_DECODE');
    // Body byte 4 (after the 3-byte first chunk, "\r\n4\r\n" and one byte of the second) is the first missing one:
    // protobufjs reports the position after the length prefix where the 5 bytes should start.
    const bodyByte4 = head.length + 3 + 3 + 5 + 1;
    assert.equal(error.offset, bodyByte4);
    for (const { label, pieces } of everySplit(stream)) assert.deepEqual(decodeEvents(pieces), expected, label);
  });
  it('an unknown name: MW_PROTO_UNKNOWN_TYPE at the first body byte, body read schema-less', async () => {
    const bytes = message('mesos.internal.NoSuchMessage', hex('0801'));
    const { lines, status } = await ndjsonLines(['decode', '-'], bytes);
    assert.equal(status, 1);
    const event = JSON.parse(lines[0]!);
    assert.equal(event.typeName, null);
    assert.deepEqual(event.body, { fields: [{ field: 1, wire: 'varint', value: 1 }] });
    const error = JSON.parse(lines[1]!);
    assert.equal(error.code, 'MW_PROTO_UNKNOWN_TYPE');
    assert.equal(error.offset, bytes.length - 9);
  });
  it('a missing required field: the partial message is kept, with MW_PROTO_MISSING_REQUIRED', async () => {
    const bytes = message(ACK, hex('0a0d0a0b32303234303130312d5330'));
    const { lines, status } = await ndjsonLines(['decode', '-'], bytes);
    assert.equal(status, 1);
    assert.equal(rawBody(lines[0]!), '{"slave_id":{"value":"20240101-S0"}}');
    assert.equal(JSON.parse(lines[1]!).code, 'MW_PROTO_MISSING_REQUIRED');
  });
  it('text output shows the error once, inside the body', async () => {
    const r = await runCli(['decode', '-'], { input: message(PING_NAME, hex('08')) });
    const text = r.stdout.toString();
    assert.equal(text.split('MW_PROTO_DECODE').length - 1, 1);
    assert.match(text, /1 message, 1 error\n$/);
  });
});

describe('decode: v1 API bodies by endpoint', () => {
  const subscribeProto = hex('10011a0c0a0a0a04726f6f74120266 77'.replace(/ /g, ''));
  const request = (type: string, body: Uint8Array, target = '/api/v1/scheduler') =>
    cat(
      `POST ${target} HTTP/1.1\r\nHost: m:5050\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    );
  const SUBSCRIBE_JSON =
    '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"fw","failover_timeout":0.0,"checkpoint":false}}}';

  it('a protobuf Call and the same Call in JSON give the same Mesos JSON', async () => {
    const json = ascii('{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"fw"}}}');
    const input = cat(request('application/x-protobuf', subscribeProto), request('application/json', json));
    const { lines, status } = await ndjsonLines(['decode', '-'], input);
    assert.equal(status, 0);
    assert.deepEqual(lines.map(rawBody), [SUBSCRIBE_JSON, SUBSCRIBE_JSON]);
    assert.deepEqual(
      lines.map((l) => [JSON.parse(l).typeName, JSON.parse(l).encoding]),
      [
        ['mesos.v1.scheduler.Call', 'protobuf'],
        ['mesos.v1.scheduler.Call', 'json'],
      ],
    );
  });
  it('a JSON body that does not fit: the text is kept, MW_JSON_TYPE at its absolute offset', async () => {
    const body = ascii('{"type":7}');
    const input = request('application/json', body);
    const { lines, status } = await ndjsonLines(['decode', '-'], input);
    assert.equal(status, 1);
    assert.equal(JSON.parse(lines[0]!).body, '{"type":7}');
    const error = JSON.parse(lines[1]!);
    assert.equal(error.code, 'MW_JSON_TYPE');
    assert.equal(error.offset, input.length - body.length + 8);
  });
  it('a response is typed by the request it answers (operator API)', async () => {
    const call = ascii('{"type":"GET_HEALTH"}');
    const answer = '{"type":"GET_HEALTH","get_health":{"healthy":true}}';
    const input = cat(
      request('application/json', call, '/api/v1'),
      `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`,
    );
    const { lines } = await ndjsonLines(['decode', '-'], input);
    assert.equal(JSON.parse(lines[0]!).typeName, 'mesos.v1.master.Call');
    const response = JSON.parse(lines[1]!);
    assert.equal(response.typeName, 'mesos.v1.master.Response');
    assert.equal(response.request, '/api/v1');
    assert.equal(rawBody(lines[1]!), answer);
  });
});

/** A SUBSCRIBE request and its 200 answer: a chunked RecordIO stream whose second record spans two chunks. */
function subscribeStream(): Uint8Array {
  const body = '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"fw"}}}';
  const rec = (s: string) => `${s.length}\n${s}`;
  const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
  const r1 = rec(
    '{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"fw-1"},"heartbeat_interval_seconds":15.0}}',
  );
  const r2 = rec('{"type":"HEARTBEAT"}');
  return ascii(
    `POST /api/v1/scheduler HTTP/1.1\r\nHost: m:5050\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMesos-Stream-Id: 5b3c\r\nTransfer-Encoding: chunked\r\n\r\n' +
      chunk(r1) +
      chunk(r2.slice(0, 5)) +
      chunk(r2.slice(5)) +
      '0\r\n\r\n',
  );
}

describe('decode: RecordIO streams inside HTTP responses', () => {
  const stream = subscribeStream();
  it('records are typed by the endpoint, with absolute offsets across chunk lines, at every split', () => {
    const expected = decodeEvents([stream]);
    assert.equal(expected.errors, 0);
    assert.deepEqual(
      expected.events.map((e) => [e.type, e.offset, e.typeName ?? null]),
      [
        ['request', 0, 'mesos.v1.scheduler.Call'],
        ['response', 180, null],
        ['record', 286, 'mesos.v1.scheduler.Event'],
        ['record', 397, 'mesos.v1.scheduler.Event'],
        ['stream-end', 180, null],
      ],
    );
    const [, response, first, second, end] = expected.events;
    assert.equal(response!.stream, 'recordio');
    assert.equal(response!.request, '/api/v1/scheduler');
    assert.equal(first!.dataOffset, 290);
    assert.equal(first!.response, 180);
    assert.deepEqual(first!.body, {
      type: 'SUBSCRIBED',
      subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 15 },
    });
    // "20\n{" is in the 5-byte chunk, the rest in the next one: data at 400.
    assert.equal(second!.dataOffset, 400);
    assert.deepEqual(second!.body, { type: 'HEARTBEAT' });
    assert.deepEqual(end, {
      type: 'stream-end',
      offset: 180,
      end: 433,
      framing: 'chunked',
      chunks: [106, 5, 18],
      bodyLength: 129,
      records: 2,
    });
    for (const { label, pieces } of everySplit(stream)) assert.deepEqual(decodeEvents(pieces), expected, label);
  });
  it('streams: the records come out before the response ends', () => {
    const events: DecodeEvent[] = [];
    const decoder = new RawStreamDecoder('http', (e) => events.push(e));
    decoder.write(stream.subarray(0, stream.length - 5)); // everything but "0\r\n\r\n"
    assert.deepEqual(
      events.map((e) => e.type),
      ['request', 'response', 'record', 'record'],
    );
    decoder.write(stream.subarray(stream.length - 5));
    assert.equal(events.at(-1)!.type, 'stream-end');
  });
  it('detected by content, not Content-Type; protobuf records default to the scheduler Event', () => {
    const bytes = cat(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n',
      '4\r\n2\n\x08\x08\r\n0\r\n\r\n',
    );
    const { events, errors } = decodeEvents([bytes]);
    assert.equal(errors, 0);
    assert.deepEqual(
      events.map((e) => [e.type, e.offset, e.typeName ?? null]),
      [
        ['response', 0, null],
        ['record', 76, 'mesos.v1.scheduler.Event'],
        ['stream-end', 0, null],
      ],
    );
    assert.deepEqual(events[1]!.body, { type: 'HEARTBEAT' });
  });
  it('a Content-Length body is a stream only when it is whole records; a broken stream is reported', () => {
    const notRecords = decodeEvents([ascii('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n12\nx')]);
    assert.deepEqual(
      notRecords.events.map((e) => e.type),
      ['response'],
    );
    assert.equal(notRecords.events[0]!.body, '12\nx');
    const broken = decodeEvents([
      ascii('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n2\n\x08\x08x\nab\r\n0\r\n\r\n'),
    ]);
    assert.deepEqual(
      broken.events.map((e) => [e.type, e.code ?? null, e.offset]),
      [
        ['response', null, 0],
        ['record', null, 50],
        ['error', 'MW_RECORDIO_BAD_LENGTH', 54],
        ['stream-end', null, 0],
      ],
    );
  });
});

describe('decode: RecordIO records typed by detection', () => {
  it('scheduler, executor and master events are told apart; the first type sticks', async () => {
    const record = (s: string) => `${s.length}\n${s}`;
    const master = record(
      '{"type":"TASK_ADDED","task_added":{"task":{"name":"t","task_id":{"value":"1"},"framework_id":{"value":"f"},"agent_id":{"value":"a"},"state":"TASK_RUNNING"}}}',
    );
    const executor = record(
      '{"type":"LAUNCH","launch":{"task":{"name":"t","task_id":{"value":"1"},"agent_id":{"value":"a"}}}}',
    );
    const heartbeat = record('{"type":"HEARTBEAT"}');
    const typeNames = async (input: string) =>
      (await ndjsonLines(['decode', '-'], ascii(input))).lines.map((l) => JSON.parse(l).typeName);
    assert.deepEqual(await typeNames(master + heartbeat), ['mesos.v1.master.Event', 'mesos.v1.master.Event']);
    assert.deepEqual(await typeNames(executor + heartbeat), ['mesos.v1.executor.Event', 'mesos.v1.executor.Event']);
    assert.deepEqual(await typeNames(heartbeat), ['mesos.v1.scheduler.Event']);
    assert.deepEqual(
      (await ndjsonLines(['decode', '-', '--type', 'mesos.v1.master.Event'], ascii(heartbeat))).lines.map(
        (l) => JSON.parse(l).typeName,
      ),
      ['mesos.v1.master.Event'],
    );
  });
  it('--type names a wire name or a type; an unknown one is a usage error', async () => {
    assert.equal(resolveTypeName('mesos.internal.PingSlaveMessage')?.fullName, '.mesos.internal.PingSlaveMessage');
    const r = await runCli(['decode', '-', '--type', 'no.such.Type'], { input: ascii('0\n') });
    assert.equal(r.status, 2);
  });
});

describe('decode: text trees (snapshots)', () => {
  it('Example A', async () => {
    matchSnapshot('decode-example-a', ['decode', '-'], await runCli(['decode', '-'], { input: EXAMPLE_A }));
  });
  it('a SUBSCRIBE call and its event stream', async () => {
    const args = ['decode', '-'];
    matchSnapshot('decode-subscribe-stream', args, await runCli(args, { input: subscribeStream() }));
  });
  it('--hex shows the hex dump of typed bodies too', async () => {
    const args = ['decode', '-', '--hex', '--hex-limit', '32'];
    matchSnapshot('decode-example-a-hex', args, await runCli(args, { input: EXAMPLE_A }));
  });
});

describe('ndjson: Mesos JSON embedded exactly', () => {
  it('NaN (a bare token in Mesos JSON) becomes the string "NaN", like "Infinity"; ndjson stays valid JSON', async () => {
    const scalar = (bytes: string) => cat('9\n', hex(`09${bytes}`));
    const input = cat(scalar('000000000000f87f'), scalar('000000000000f07f'), scalar('000000000000f03f'));
    const { lines } = await ndjsonLines(['decode', '-', '--type', 'mesos.v1.Value.Scalar'], input);
    assert.deepEqual(lines.map(rawBody), ['{"value":"NaN"}', '{"value":"Infinity"}', '{"value":1.0}']);
    for (const line of lines) JSON.parse(line);
  });
  it('quoteBareNaN leaves strings alone; stringifyJson cannot be fooled by a look-alike placeholder', async () => {
    const { quoteBareNaN, RawJson } = await import('../../src/cli/render/body.ts');
    assert.equal(quoteBareNaN('{"a":NaN,"b":"NaN \\" NaN","c":[NaN]}'), '{"a":"NaN","b":"NaN \\" NaN","c":["NaN"]}');
    const forged = '\u0000abcdefgh:0\u0000';
    assert.equal(
      stringifyJson({ body: new RawJson('{"n":18446744073709551615}'), text: forged }),
      `{"body":{"n":18446744073709551615},"text":${JSON.stringify(forged)}}`,
    );
    // Plain JSON.stringify still works (exact up to 2^53 only).
    assert.equal(JSON.stringify({ body: new RawJson('{"n":1}') }), '{"body":{"n":1}}');
  });
});

describe('message classification fast path', () => {
  it('quickMessage agrees with classifyRequest whenever it answers (fast-check)', async () => {
    const fc = (await import('fast-check')).default;
    const { quickMessage } = await import('../../src/pipeline/message-event.ts');
    const { classifyRequest } = await import('../../src/libprocess/index.ts');
    const text = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 24 }).map((a) => a.join(''));
    const target = text(['/', '/', 'a', 'b', '(', '1', ')', '%', '2', '0', '+', '?', '#', 'h', ':', '.', '@']);
    const header = fc.option(
      text([' ', 'a', '@', '1', '.', ':', '5', 'l', 'i', 'b', 'p', 'r', 'o', 'c', 'e', 's', '/']),
      {
        nil: undefined,
      },
    );
    const agent = fc.option(
      fc.oneof(
        header,
        text(['x', '@', '1']).map((t) => `libprocess/${t}`),
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(target, header, agent, (t, from, ua) => {
        const slim: { name: string; value: string }[] = [];
        if (from !== undefined) slim.push({ name: 'Libprocess-From', value: from });
        else if (ua !== undefined) slim.push({ name: 'User-Agent', value: ua });
        const quick = quickMessage(t, from, slim);
        if (quick === undefined) return;
        const c = classifyRequest({ method: 'POST', target: t, headers: slim });
        assert.equal(c.kind, 'message');
        if (c.kind !== 'message') return;
        assert.deepEqual(
          [quick.to, quick.name, quick.fromText, quick.fromSource],
          [c.to, c.name, c.fromText, c.fromSource],
        );
      }),
      { numRuns: 2000 },
    );
  });
  it('the sender is parsed on first use, as Mesos parses it', async () => {
    const bytes = ascii('POST /master/x HTTP/1.1\r\nLibprocess-From: not a upid\r\nContent-Length: 0\r\n\r\n');
    const { events } = decodeEvents([bytes]);
    assert.equal(events[0]!.from, '@0.0.0.0:0');
    assert.equal(events[0]!.fromValid, false);
    assert.equal(events[0]!.fromText, 'not a upid');
  });
});
