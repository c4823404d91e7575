/**
 * The session layer's cheap paths against what they stand for: a body in one run of stream bytes (offsets without
 * BodySegments) against a body in several runs (BodySegments), a sender parsed once per text and shared, the
 * User-Agent/Libprocess-From comparison without building the expected text, and empty bodies typed without looking
 * at their headers. Every case is fed at every split.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMessage, type MessageStyle } from '../../src/libprocess/encoder.ts';
import { RawSessionDecoder } from '../../src/pipeline/decode-sessions.ts';
import type { DecodedEvent, DecodedMessage, DecodedResponse } from '../../src/pipeline/events.ts';
import { ascii, cat, everySplit } from '../helpers/bytes.ts';

function decode(pieces: Uint8Array[], bodyErrors: 'error' | 'diagnostic' = 'error'): DecodedEvent[] {
  const out: DecodedEvent[] = [];
  const decoder = new RawSessionDecoder((e) => out.push(e), { bodyErrors });
  for (const piece of pieces) decoder.write(piece);
  decoder.end();
  return out;
}

const PING = 'POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\nLibprocess-From: master@10.0.0.1:5050\r\n';
// A PingSlaveMessage body whose field 1 announces 5 bytes and has 2: undecodable (MW_PROTO_DECODE).
const BAD_BODY = '\x0a\x05\x01\x02';

// One run: Content-Length body at 117..120 (the head is 117 bytes).
const oneRun = ascii(`${PING}Content-Length: 4\r\n\r\n${BAD_BODY}`);
// Two runs: chunked, body bytes 0-1 at 129..130 and 2-3 at 136..137 (CRLF and the second size line between them).
const twoRuns = ascii(`${PING}Transfer-Encoding: chunked\r\n\r\n2\r\n\x0a\x05\r\n2\r\n\x01\x02\r\n0\r\n\r\n`);

/** Body index -> stream offset for indexes 0..4 (4: just past the last byte), and the error's code and offset. */
function offsetsAndError(events: DecodedEvent[]): { offsets: number[]; error: string } {
  const message = events.find((e): e is DecodedMessage => e.type === 'message')!;
  const error = events.find((e) => e.type === 'error');
  return {
    offsets: [0, 1, 2, 3, 4].map((i) => message.bodyOffsets!(i)),
    error: error?.type === 'error' ? `${error.code} @${error.offset}` : 'none',
  };
}

describe('session layer: body offsets', () => {
  it('a body in one run of bytes maps indexes linearly, at every split', () => {
    assert.equal(oneRun.length, 121);
    // protobufjs stops at body index 2 (the 5 announced bytes are not there).
    const expected = { offsets: [117, 118, 119, 120, 121], error: 'MW_PROTO_DECODE @119' };
    assert.deepEqual(offsetsAndError(decode([oneRun])), expected);
    for (const { label, pieces } of everySplit(oneRun))
      assert.deepEqual(offsetsAndError(decode(pieces)), expected, label);
  });

  it('a body in two runs maps each through its own run, at every split', () => {
    const expected = { offsets: [129, 130, 136, 137, 138], error: 'MW_PROTO_DECODE @136' };
    assert.deepEqual(offsetsAndError(decode([twoRuns])), expected);
    for (const { label, pieces } of everySplit(twoRuns)) {
      assert.deepEqual(offsetsAndError(decode(pieces)), expected, label);
    }
  });

  it('the two framings give the same events otherwise, and nothing follows the error', () => {
    const shape = (events: DecodedEvent[]) =>
      events.map((e) => (e.type === 'message' ? `message ${e.name} ${e.body.length}` : e.type));
    assert.deepEqual(shape(decode([oneRun])), ['message mesos.internal.PingSlaveMessage 4', 'error']);
    assert.deepEqual(shape(decode([twoRuns])), shape(decode([oneRun])));
  });

  it('a message without a body maps index i to i (as an empty BodySegments does) and types as empty', () => {
    const input = ascii(`${PING}\r\n`);
    for (const { label, pieces } of everySplit(input)) {
      const [message] = decode(pieces) as DecodedMessage[];
      assert.equal(message!.bodyOffsets!(0), 0, label);
      assert.equal(message!.bodyOffsets!(3), 3, label);
      assert.equal(message!.body.length, 0, label);
    }
  });
});

describe('session layer: senders, responses', () => {
  const ping = (from: string, agent?: string) =>
    ascii(
      `POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\n${agent === undefined ? '' : `User-Agent: ${agent}\r\n`}` +
        `Libprocess-From: ${from}\r\nContent-Length: 2\r\n\r\n\x08\x01`,
    );
  const accepted = ascii('HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n');

  it('messages of one sender share its parse; other senders get theirs; unparsable senders are the empty UPID', () => {
    const input = cat(
      ping('master@10.0.0.1:5050'),
      ping('master@10.0.0.1:5050'),
      ping('slave(1)@10.0.0.2:5051'),
      ping('not a upid'),
      ping('master@10.0.0.1:5050'),
    );
    for (const { label, pieces } of everySplit(input)) {
      const messages = decode(pieces).filter((e): e is DecodedMessage => e.type === 'message');
      assert.deepEqual(
        messages.map((m) => [m.from, m.fromValid, m.fromText]),
        [
          ['master@10.0.0.1:5050', true, 'master@10.0.0.1:5050'],
          ['master@10.0.0.1:5050', true, 'master@10.0.0.1:5050'],
          ['slave(1)@10.0.0.2:5051', true, 'slave(1)@10.0.0.2:5051'],
          ['@0.0.0.0:0', false, 'not a upid'],
          ['master@10.0.0.1:5050', true, 'master@10.0.0.1:5050'],
        ],
        label,
      );
      assert.equal(messages[0]!.fromUpid, messages[4]!.fromUpid, label);
      assert.deepEqual(messages[2]!.fromUpid, { id: 'slave(1)', host: '10.0.0.2', port: 5051, hostKind: 'ipv4' });
      assert.ok(Object.isFrozen(messages[0]!.fromUpid), label);
    }
  });

  it('User-Agent equal to libprocess/<Libprocess-From> is no mismatch; any other text is one', () => {
    const mismatches = (input: Uint8Array) =>
      decode([input], 'diagnostic')
        .filter((e) => e.type === 'diagnostic' && e.diagnostic.kind === 'libprocess-sender-mismatch')
        .map((e) => (e.type === 'diagnostic' ? JSON.stringify(e.diagnostic) : ''));
    assert.deepEqual(mismatches(ping('master@10.0.0.1:5050', 'libprocess/master@10.0.0.1:5050')), []);
    // Same length, different text; a longer text; the same UPID behind another prefix (compared as UPIDs).
    assert.deepEqual(mismatches(ping('master@10.0.0.1:5050', 'libprocess/master@10.0.0.1:5051')), [
      '{"kind":"libprocess-sender-mismatch","streamOffset":0,"userAgent":"master@10.0.0.1:5051","libprocessFrom":"master@10.0.0.1:5050"}',
    ]);
    assert.deepEqual(mismatches(ping('master@10.0.0.1:5050', 'libprocess/master@10.0.0.1:50500')), [
      '{"kind":"libprocess-sender-mismatch","streamOffset":0,"userAgent":"master@10.0.0.1:50500","libprocessFrom":"master@10.0.0.1:5050"}',
    ]);
    assert.deepEqual(mismatches(ping('master@10.0.0.1:5050', 'x libprocess/master@10.0.0.1:5050')), []);
  });

  it('a paired 202: empty body typed as empty, headers read on demand, capture fields absent on raw streams', () => {
    const input = cat(ping('master@10.0.0.1:5050'), accepted);
    for (const { label, pieces } of everySplit(input)) {
      const response = decode(pieces).find((e): e is DecodedResponse => e.type === 'response')!;
      assert.deepEqual(response.typed, { kind: 'empty' }, label);
      assert.equal(response.request, 'mesos.internal.PingSlaveMessage', label);
      assert.equal(response.reason, 'Accepted', label);
      assert.deepEqual(response.headers, [
        { name: 'Content-Type', value: 'text/plain' },
        { name: 'Content-Length', value: '0' },
      ]);
      assert.equal(Object.hasOwn(response, 'flow') || Object.hasOwn(response, 'frame'), false, label);
    }
  });
});

describe('session layer: the style guess shared by messages repeating a kept head', () => {
  it('every message of a run of repeated heads gets the style its own head says, at every split', () => {
    const message = (style: MessageStyle) =>
      encodeMessage(
        { name: 'mesos.internal.PingSlaveMessage', from: 'master@10.0.0.1:5050', to: 'slave(1)@10.0.0.2:5051' },
        style,
      );
    // Repeated heads are kept by the decoder (from their second time on) and answer from the kept head.
    const styles: MessageStyle[] = [
      'mesos-1.11',
      'mesos-1.11',
      'mesos-1.11',
      'mesos-0.21',
      'mesos-0.21',
      'mesos-0.21',
      'mesos-1.11',
      'content-length',
      'content-length',
      'mesos-1.12',
      'mesos-1.12',
      'mesos-1.11',
    ];
    const input = cat(...styles.map(message));
    for (const { label, pieces } of everySplit(input)) {
      const seen = decode(pieces)
        .filter((e): e is DecodedMessage => e.type === 'message')
        .map((e) => e.style);
      assert.deepEqual(seen, styles, label);
    }
  });
});
