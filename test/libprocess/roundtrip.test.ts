import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HttpDecoder, type HttpMessage } from '../../src/http/index.ts';
import {
  type ClassifiedMessage,
  classifyRequest,
  encodeAcceptedResponse,
  encodeMessage,
  encodeNotFoundResponse,
  formatUpid,
  guessMessageStyle,
  MESSAGE_STYLES,
  type MessageStyle,
} from '../../src/libprocess/index.ts';
import { ascii, cat, chunksOf, everySplit, hex, toHexString } from '../helpers/bytes.ts';

/** Decodes `pieces` as one stream and returns every complete message. */
function decodeAll(pieces: Uint8Array[]): HttpMessage[] {
  const out: HttpMessage[] = [];
  const decoder = new HttpDecoder({ onMessage: (m) => out.push(m) });
  for (const p of pieces) decoder.write(p);
  decoder.end();
  return out;
}

function asMessage(m: HttpMessage): ClassifiedMessage {
  assert.equal(m.kind, 'request');
  const c = classifyRequest(m as HttpMessage & { kind: 'request' });
  assert.equal(c.kind, 'message');
  return c as ClassifiedMessage;
}

const MASTER = 'master@10.0.0.1:5050';
const AGENT = 'slave(1)@10.0.0.2:5051';
const BODY = hex(
  '0a0d0a0b32303234303130312d5330120f0a0d32303234303130312d303030301a100a0e7461736b2d3030303030303030312210',
);

describe('encode -> HttpDecoder -> classify, every split', () => {
  for (const style of MESSAGE_STYLES) {
    it(`${style}: message with body, then an empty-body message, then a 202`, () => {
      const stream = cat(
        encodeMessage({ name: 'mesos.internal.X', from: MASTER, to: AGENT, body: BODY }, style),
        encodeMessage(
          { name: 'mesos.internal.PongSlaveMessage', from: AGENT, to: 'slave-observer(1)@10.0.0.1:5050' },
          style,
        ),
        encodeAcceptedResponse({ date: new Date(0) }),
      );
      for (const { label, pieces } of everySplit(stream)) {
        const messages = decodeAll(pieces);
        assert.equal(messages.length, 3, label);
        const first = asMessage(messages[0]!);
        assert.equal(formatUpid(first.from), MASTER, label);
        assert.equal(first.to, 'slave(1)', label);
        assert.equal(first.name, 'mesos.internal.X', label);
        assert.equal(toHexString(messages[0]!.body), toHexString(BODY), label);
        assert.deepEqual(messages[0]!.chunks, style === 'content-length' ? [] : [BODY.length], label);
        assert.equal(messages[0]!.framing, style === 'content-length' ? 'content-length' : 'chunked', label);
        const second = asMessage(messages[1]!);
        assert.equal(second.to, 'slave-observer(1)');
        assert.equal(messages[1]!.body.length, 0);
        assert.equal(messages[1]!.framing, style === 'content-length' ? 'content-length' : 'none');
        assert.equal(messages[2]!.kind, 'response');
        assert.equal(messages[2]!.kind === 'response' && messages[2]!.status, 202);
      }
    });
    it(`${style}: guessMessageStyle recognises its own framing`, () => {
      const [m] = decodeAll([encodeMessage({ name: 'n', from: MASTER, to: AGENT, body: BODY }, style)]);
      assert.equal(guessMessageStyle(m as HttpMessage & { kind: 'request' }), style as MessageStyle);
      const [empty] = decodeAll([encodeMessage({ name: 'n', from: MASTER, to: AGENT }, style)]);
      assert.equal(guessMessageStyle(empty as HttpMessage & { kind: 'request' }), style as MessageStyle);
    });
  }
  it('a 404 decodes with its body', () => {
    const [r] = decodeAll(chunksOf(encodeNotFoundResponse({ date: new Date(0) }), 7));
    assert.ok(r!.kind === 'response' && r!.status === 404);
    assert.equal(new TextDecoder().decode(r!.body), '404 Not Found.');
  });
  it('random names, UPIDs and bodies survive encode -> decode -> classify in every style', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_()-]{1,16}$/);
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    const upid = fc.tuple(id, ipv4, fc.nat(65535)).map(([i, h, p]) => `${i}@${h}:${p}`);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_.]{1,40}$/),
        upid,
        upid,
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom(...MESSAGE_STYLES),
        fc.integer({ min: 1, max: 64 }),
        (name, from, to, body, style, piece) => {
          const bytes = encodeMessage({ name, from, to, body }, style);
          const [m] = decodeAll(chunksOf(bytes, piece));
          const c = asMessage(m!);
          assert.equal(formatUpid(c.from), from);
          assert.equal(c.to, to.slice(0, to.indexOf('@')));
          assert.equal(c.name, name);
          assert.equal(toHexString(m!.body), toHexString(body));
          assert.equal(m!.end, bytes.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('decoding vectors of wire-protocol.md §6.8 and §6.4', () => {
  const decodeEverySplit = (bytes: Uint8Array, check: (messages: HttpMessage[], label: string) => void) => {
    for (const { label, pieces } of everySplit(bytes)) check(decodeAll(pieces), label);
  };
  it('pre-0.22 message: HTTP/1.0, chunked, only User-Agent', () => {
    const bytes = ascii(
      'POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.0\r\nUser-Agent: libprocess/master@10.0.0.1:5050\r\n' +
        'Connection: Keep-Alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n\x08\x01\r\n0\r\n\r\n',
    );
    decodeEverySplit(bytes, (ms, label) => {
      const c = asMessage(ms[0]!);
      assert.equal(formatUpid(c.from), MASTER, label);
      assert.equal(c.fromSource, 'User-Agent');
      assert.equal(toHexString(ms[0]!.body), '0801', label);
    });
  });
  it('Libprocess-From only, Content-Length body', () => {
    const bytes = ascii('POST /master/foo HTTP/1.1\r\nLibprocess-From: x@1.2.3.4:5\r\nContent-Length: 3\r\n\r\nabc');
    decodeEverySplit(bytes, (ms, label) => {
      const c = asMessage(ms[0]!);
      assert.equal(formatUpid(c.from), 'x@1.2.3.4:5', label);
      assert.equal(new TextDecoder().decode(ms[0]!.body), 'abc');
    });
  });
  it('multi-chunk body with uppercase hex sizes is concatenated', () => {
    const data = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = ascii(
      `POST /master/m HTTP/1.1\r\nLibprocess-From: x@1.2.3.4:5\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `1A\r\n${data.slice(0, 26)}\r\nA\r\n${data.slice(26)}\r\n0\r\n\r\n`,
    );
    decodeEverySplit(bytes, (ms, label) => {
      assert.deepEqual(ms[0]!.chunks, [26, 10], label);
      assert.equal(new TextDecoder().decode(ms[0]!.body), data, label);
    });
  });
  it('query: POST /master/foo?a=b -> id master, name foo', () => {
    const bytes = ascii('POST /master/foo?a=b HTTP/1.1\r\nLibprocess-From: x@1.2.3.4:5\r\n\r\n');
    decodeEverySplit(bytes, (ms) => {
      const c = asMessage(ms[0]!);
      assert.equal(c.to, 'master');
      assert.equal(c.name, 'foo');
    });
  });
  it('Http2 (§6.4): a reply to an empty-id UPID starts with "POST /reply HTTP/1.1" and reads back as id "reply"', () => {
    const bytes = encodeMessage({
      name: 'reply',
      from: 'handler@127.0.0.1:1',
      to: '@127.0.0.1:40000',
      body: ascii('x'),
    });
    assert.ok(new TextDecoder().decode(bytes).startsWith('POST /reply HTTP/1.1'));
    const c = asMessage(decodeAll([bytes])[0]!);
    assert.equal(c.to, 'reply');
    assert.equal(c.name, '');
  });
  it('Remote (§6.4): name "handler", body "hello world" arrive intact with the exact sender', () => {
    const bytes = encodeMessage({
      name: 'handler',
      from: 'sender@127.0.0.1:34567',
      to: 'id(42)@127.0.0.1:5050',
      body: ascii('hello world'),
    });
    const [m] = decodeAll(chunksOf(bytes, 5));
    const c = asMessage(m!);
    assert.equal(formatUpid(c.from), 'sender@127.0.0.1:34567');
    assert.equal(c.to, 'id(42)');
    assert.equal(c.name, 'handler');
    assert.equal(new TextDecoder().decode(m!.body), 'hello world');
  });
});
