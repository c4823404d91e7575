import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DecodeEvent } from '../../src/cli/events.ts';
import { stringifyJson } from '../../src/cli/render/body.ts';
import { eventJson } from '../../src/cli/render/json.ts';
import { framingText } from '../../src/cli/render/text.ts';
import { MAX_LISTED_CHUNKS } from '../../src/http/index.ts';
import { encodeAcceptedResponse, encodeMessage } from '../../src/libprocess/index.ts';
import { type RawInputKind, RawStreamDecoder } from '../../src/pipeline/raw-stream.ts';
import { encodeRecord } from '../../src/recordio/index.ts';
import { ascii, cat, chunksOf, everySplit } from '../helpers/bytes.ts';

function decode(
  pieces: Uint8Array[],
  kind: RawInputKind = 'auto',
): { events: Record<string, unknown>[]; errors: number } {
  const events: DecodeEvent[] = [];
  const decoder = new RawStreamDecoder(kind, (e) => events.push(e));
  for (const p of pieces) decoder.write(p);
  decoder.end();
  // Render at once, as the CLI does, since bodies may be views of the pieces.
  return {
    events: events.map((e) => JSON.parse(stringifyJson(eventJson(e))) as Record<string, unknown>),
    errors: decoder.errors,
  };
}

const ping = encodeMessage({
  name: 'mesos.internal.PingSlaveMessage',
  from: 'slave-observer(1)@10.0.0.1:5050',
  to: 'slave(1)@10.0.0.2:5051',
  body: new Uint8Array([8, 1]),
});
const accepted = encodeAcceptedResponse({ date: new Date(Date.UTC(2024, 7, 23, 18, 59, 0)) });

describe('RawStreamDecoder', () => {
  it('a message and a 202: the same events at every split (auto-detected as HTTP)', () => {
    const stream = cat(ping, accepted);
    const expected = decode([stream]);
    assert.equal(expected.errors, 0);
    assert.deepEqual(
      expected.events.map((e) => [e.type, e.offset]),
      [
        ['message', 0],
        ['response', ping.length],
      ],
    );
    for (const { label, pieces } of everySplit(stream)) assert.deepEqual(decode(pieces), expected, label);
  });
  it('the session fixture decodes the same in pieces of 1..64 bytes', () => {
    const session = new Uint8Array(readFileSync(new URL('../../fixtures/raw/libprocess-session.bin', import.meta.url)));
    const expected = decode([session]);
    assert.equal(expected.events.length, 12);
    for (let size = 1; size <= 64; size++) assert.deepEqual(decode(chunksOf(session, size)), expected, `size ${size}`);
  });
  it('RecordIO auto-detected from a leading digit, at every split', () => {
    const stream = cat(encodeRecord('{"type":"HEARTBEAT"}'), encodeRecord(new Uint8Array([8, 8])));
    const expected = decode([stream]);
    assert.deepEqual(
      expected.events.map((e) => [e.type, e.offset, e.length, e.body]),
      [
        // Typed: a JSON record by its "type", a protobuf record as a scheduler Event.
        ['record', 0, 20, { type: 'HEARTBEAT' }],
        ['record', 23, 2, { type: 'HEARTBEAT' }],
      ],
    );
    for (const { label, pieces } of everySplit(stream)) assert.deepEqual(decode(pieces), expected, label);
  });
  it('HTTP errors become events, decoding resumes at the next message', () => {
    const stream = cat(ping, ascii('GARBAGE\r\n'), ping);
    for (const { label, pieces } of everySplit(stream)) {
      const { events, errors } = decode(pieces);
      assert.equal(errors, 1, label);
      assert.deepEqual(
        events.map((e) => e.type),
        ['message', 'error', 'message'],
        label,
      );
      assert.equal(events[2]!.offset, ping.length + 9, label);
    }
  });
  it('trailers after a chunked message are shown (Mesos drops such connections)', () => {
    const bytes = ascii(
      'POST /master/m HTTP/1.1\r\nLibprocess-From: x@1.2.3.4:5\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '1\r\na\r\n0\r\nX: y\r\n\r\n',
    );
    const { events } = decode([bytes]);
    assert.equal(events[0]!.type, 'message');
    assert.deepEqual(events[0]!.trailers, [{ name: 'X', value: 'y' }]);
    assert.equal(decode([ping]).events[0]!.trailers, undefined);
  });
  it('RecordIO stops at its first error', () => {
    const { events, errors } = decode([ascii('1\na\nx2\nbb')], 'recordio');
    // The record "a" is not a scheduler Event either (0x61: field 12, a 64-bit value; none follows: offset 3).
    assert.equal(errors, 2);
    assert.deepEqual(
      events.map((e) => [e.type, e.offset, e.code]),
      [
        ['record', 0, undefined],
        ['error', 3, 'MW_PROTO_DECODE'],
        ['error', 3, 'MW_RECORDIO_BAD_LENGTH'],
      ],
    );
  });
  it('truncation at the end is reported, everything before kept', () => {
    const { events } = decode([ping, ping.subarray(0, 40)]);
    assert.deepEqual(
      events.map((e) => [e.type, e.code]),
      [
        ['message', undefined],
        ['error', 'MW_HTTP_TRUNCATED'],
      ],
    );
  });
  it('short and empty inputs', () => {
    assert.deepEqual(decode([]), { events: [], errors: 0 });
    assert.deepEqual(decode([new Uint8Array(0)]), { events: [], errors: 0 });
    const r = decode([ascii('0\n')]);
    assert.deepEqual(
      r.events.map((e) => [e.type, e.length]),
      [['record', 0]],
    );
    assert.equal(decode([ascii('PO')]).events[0]!.code, 'MW_HTTP_TRUNCATED');
  });
  it('forced --input http on RecordIO bytes reports an HTTP error', () => {
    const { events, errors } = decode([ascii('2\nab')], 'http');
    assert.ok(errors >= 1);
    assert.equal(events[0]!.type, 'error');
  });
  it('random and mutated streams only ever produce events (never a throw), in any chunking', () => {
    const base = cat(ping, accepted, encodeRecord('x'));
    const mutated = fc
      .tuple(fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat(base.length))
      .map(([edits, cut]) => {
        const s = base.slice(0, cut);
        for (const [at, byte] of edits) if (s.length > 0) s[at % s.length] = byte;
        return s;
      });
    fc.assert(
      fc.property(
        fc.oneof(mutated, fc.uint8Array({ maxLength: 200 })),
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom<RawInputKind>('auto', 'http', 'recordio'),
        (bytes, size, kind) => {
          const { events, errors } = decode(chunksOf(bytes, size), kind);
          assert.equal(events.filter((e) => e.type === 'error').length, errors);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('a streamed request (ATTACH_CONTAINER_INPUT): shown at once, its records detected, and its response paired', () => {
    const stream = cat(
      'POST /api/v1 HTTP/1.1\r\nContent-Type: application/recordio\r\nMessage-Content-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n',
      'f\r\n12\n{"type":"X"}\r\n0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    );
    const expected = decode([stream]);
    assert.equal(expected.errors, 0);
    assert.deepEqual(
      expected.events.map((e) => [e.type, e.offset, e.end, e.body, e.typeName, e.request, e.records]),
      [
        ['request', 0, 0, null, null, undefined, undefined],
        ['record', 132, undefined, '{"type":"X"}', null, undefined, undefined],
        ['stream-end', 0, 154, undefined, undefined, undefined, 1],
        // The response answers the streamed request (the queue of requests includes it).
        ['response', 154, 192, null, null, '/api/v1', undefined],
      ],
    );
    for (const { label, pieces } of everySplit(stream)) assert.deepEqual(decode(pieces), expected, label);
  });
  it('a response is labelled with the v1 API target it answers (query kept); other responses are not labelled', () => {
    const stream = cat(
      'POST /api/v1/scheduler?x=1 HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n',
      '{"type":"SUBSCRIBE"}',
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      'POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc',
      'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno',
    );
    const { events, errors } = decode([stream]);
    assert.equal(errors, 0);
    assert.deepEqual(
      events.map((e) => [e.type, e.offset, e.request]),
      [
        ['request', 0, undefined],
        ['response', 111, '/api/v1/scheduler?x=1'],
        ['request', 149, undefined],
        ['response', 191, undefined],
      ],
    );
  });
});

describe('a message with more chunks than are listed', () => {
  /**
   * A libprocess message whose body comes as `count` (even) chunks of one byte (literal framing): `08 01` repeated,
   * field 1 (`connected`) set again and again, which protobuf takes (the last value wins).
   */
  function chunkedPing(count: number): Uint8Array {
    let text =
      'POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\n' +
      'Libprocess-From: master@10.0.0.1:5050\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (let i = 0; i < count; i++) text += i % 2 === 0 ? '1\r\n\x08\r\n' : '1\r\n\x01\r\n';
    return ascii(`${text}0\r\n\r\n`);
  }

  it('ndjson lists the first MAX_LISTED_CHUNKS sizes and gives chunkCount; text counts them all', () => {
    const count = MAX_LISTED_CHUNKS + 10;
    const { events } = decode([chunkedPing(count)]);
    assert.equal(events.length, 1);
    const [message] = events as { type: string; chunks: number[]; chunkCount: number; bodyLength: number }[];
    assert.equal(message!.type, 'message');
    assert.equal(message!.chunks.length, MAX_LISTED_CHUNKS);
    assert.equal(message!.chunkCount, count);
    assert.equal(message!.bodyLength, count);
    const framing = framingText({
      framing: 'chunked',
      chunks: [1, 1],
      chunkCount: 3,
      body: new Uint8Array(3),
    });
    assert.equal(framing, 'chunked 0x1+0x1+... = 3 bytes (3 chunks)');
  });

  it('ndjson has no chunkCount when every chunk is listed', () => {
    const { events } = decode([chunkedPing(4)]);
    assert.equal((events[0] as { chunks: number[] }).chunks.length, 4);
    assert.equal('chunkCount' in events[0]!, false);
  });
});
