import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeMessage, MESSAGE_STYLES, type Upid } from '../../src/libprocess/index.ts';
import { CachedMessageEncoder } from '../../src/transport/message-encoder.ts';
import { cat, toHexString } from '../helpers/bytes.ts';

const MASTER: Upid = { id: 'master', host: '10.0.0.1', port: 5050, hostKind: 'ipv4' };
const AGENT: Upid = { id: 'slave(1)', host: '10.0.0.2', port: 5051, hostKind: 'ipv4' };
/** The literal mesos-1.11 head of message `a.B` from MASTER to AGENT with a body. */
const HEAD_1_11 = [
  'POST /slave(1)/a.B HTTP/1.1\r\n',
  'User-Agent: libprocess/master@10.0.0.1:5050\r\n',
  'Libprocess-From: master@10.0.0.1:5050\r\n',
  'Connection: Keep-Alive\r\n',
  'Host: \r\n',
  'Transfer-Encoding: chunked\r\n',
  '\r\n',
];

describe('CachedMessageEncoder', () => {
  it('writes the literal mesos-1.11 bytes, also for the second message from the cached head', () => {
    const encoder = new CachedMessageEncoder();
    const expected = (body: string) => cat(...HEAD_1_11, `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    for (const body of ['xyz', 'q'.repeat(300)]) {
      const bytes = encoder.encode('a.B', MASTER, AGENT, cat(body), 'mesos-1.11');
      assert.equal(toHexString(bytes), toHexString(expected(body)));
    }
  });

  it('prepare() writes the same bytes into a buffer at any offset, for chunk sizes of 1 to 5 hex digits', () => {
    const encoder = new CachedMessageEncoder();
    for (const style of ['mesos-1.11', 'content-length'] as const) {
      for (const length of [0, 1, 15, 16, 255, 256, 4095, 4096, 65535, 65536]) {
        const body = new Uint8Array(length).map((_, i) => i & 0xff);
        const expected = encodeMessage({ name: 'a.B', from: MASTER, to: AGENT, body }, style);
        const prepared = encoder.prepare('a.B', MASTER, AGENT, body, style);
        assert.equal(prepared.byteLength, expected.length);
        const target = new Uint8Array(expected.length + 9).fill(0xee);
        prepared.writeTo(target, 7);
        assert.deepEqual(target.subarray(7, 7 + expected.length), expected, `${style} ${length}`);
        assert.deepEqual([...target.subarray(0, 7), ...target.subarray(7 + expected.length)], Array(9).fill(0xee));
      }
    }
  });

  it('its parts, kept and written later in any order, give the same bytes (chunk sizes of 1 to 5 hex digits)', () => {
    const encoder = new CachedMessageEncoder();
    const lengths = [0, 1, 15, 16, 255, 256, 4095, 4096, 65535, 65536, 15, 4096];
    const kept = lengths.map((length) => {
      const body = new Uint8Array(length).map((_, i) => (i * 7) & 0xff);
      const style = length === 256 ? 'content-length' : 'mesos-1.11';
      const prepared = encoder.prepare('a.B', MASTER, AGENT, body, style);
      const expected = encodeMessage({ name: 'a.B', from: MASTER, to: AGENT, body }, style);
      assert.equal(prepared.byteLength, expected.length);
      return { first: prepared.first, second: prepared.second, writer: prepared.writer, expected };
    });
    for (const { first, second, writer, expected } of [...kept].reverse()) {
      const target = new Uint8Array(expected.length + 5).fill(0xee);
      assert.equal(writer.writeParts(first, second, target, 3), 3 + expected.length);
      assert.equal(toHexString(target.subarray(3, 3 + expected.length)), toHexString(expected));
      assert.deepEqual([...target.subarray(0, 3), ...target.subarray(3 + expected.length)], Array(5).fill(0xee));
    }
  });

  it('pieces() of a large message: the literal head and size line, the body array itself, then the chunk tail', () => {
    const encoder = new CachedMessageEncoder();
    for (const length of [16_385, 65_536, 100_000, 1_048_577]) {
      const body = new Uint8Array(length).map((_, i) => (i * 13) & 0xff);
      const prepared = encoder.prepare('a.B', MASTER, AGENT, body, 'mesos-1.11');
      const pieces = prepared.writer.pieces!(prepared.first, prepared.second!);
      assert.equal(pieces.length, 3);
      // Not copied: the connection writes the caller's array as it is.
      assert.equal(pieces[1], body);
      assert.equal(toHexString(pieces[0]!), toHexString(cat(...HEAD_1_11, `${length.toString(16)}\r\n`)));
      assert.equal(toHexString(pieces[2]!), toHexString(cat('\r\n0\r\n\r\n')));
      const expected = encodeMessage({ name: 'a.B', from: MASTER, to: AGENT, body }, 'mesos-1.11');
      assert.equal(pieces[0]!.length + length + pieces[2]!.length, prepared.byteLength);
      assert.deepEqual(cat(...pieces), expected);
    }
  });

  it('content-length style from the cached head: the literal bytes for lengths of 1 to 3 digits and no body', () => {
    const encoder = new CachedMessageEncoder();
    const expected = (body: string) =>
      cat(
        'POST /slave(1)/a.B HTTP/1.1\r\n',
        'Host: 10.0.0.2:5051\r\n',
        'User-Agent: Go-http-client/1.1\r\n',
        `Content-Length: ${body.length}\r\n`,
        'Connection: Keep-Alive\r\n',
        'Content-Type: application/x-protobuf\r\n',
        'Libprocess-From: master@10.0.0.1:5050\r\n',
        'Accept-Encoding: gzip\r\n',
        '\r\n',
        body,
      );
    for (const body of ['xyz', 'q'.repeat(9), 'r'.repeat(10), '', 's'.repeat(100), 'xyz', '']) {
      const bytes = encoder.encode('a.B', MASTER, AGENT, cat(body), 'content-length');
      assert.equal(toHexString(bytes), toHexString(expected(body)), `body of ${body.length}`);
    }
  });

  it('an empty body: the same whole message every time, kept once per head', () => {
    const encoder = new CachedMessageEncoder();
    for (const style of MESSAGE_STYLES) {
      const first = encoder.prepare('a.B', MASTER, AGENT, undefined, style);
      const whole = first.first;
      assert.equal(first.second, undefined);
      assert.deepEqual(whole, encodeMessage({ name: 'a.B', from: MASTER, to: AGENT }, style), style);
      assert.equal(encoder.prepare('a.B', MASTER, AGENT, new Uint8Array(0), style).first, whole, style);
    }
  });

  it('pieces() of a large content-length message: the head with its length, then the body array itself', () => {
    const encoder = new CachedMessageEncoder();
    const body = new Uint8Array(100_000).map((_, i) => (i * 3) & 0xff);
    const prepared = encoder.prepare('a.B', MASTER, AGENT, body, 'content-length');
    const pieces = prepared.writer.pieces!(prepared.first, prepared.second!);
    assert.equal(pieces.length, 2);
    assert.equal(pieces[1], body);
    assert.match(Buffer.from(pieces[0]!).toString('latin1'), /\r\nContent-Length: 100000\r\n[\s\S]*\r\n\r\n$/);
    assert.deepEqual(cat(...pieces), encodeMessage({ name: 'a.B', from: MASTER, to: AGENT, body }, 'content-length'));
    assert.equal(prepared.byteLength, pieces[0]!.length + body.length);
  });

  it('sees a UPID object changed between messages (no stale head)', () => {
    const encoder = new CachedMessageEncoder();
    const to = { ...AGENT };
    encoder.encode('a.B', MASTER, to, cat('x'), 'mesos-1.12');
    (to as { port: number }).port = 6000;
    const again = encoder.encode('a.B', MASTER, to, cat('x'), 'mesos-1.12');
    assert.deepEqual(again, encodeMessage({ name: 'a.B', from: MASTER, to, body: cat('x') }, 'mesos-1.12'));
  });

  it('interleaved names and peers: each message its own bytes, a changed UPID seen deep in the recent heads', () => {
    const encoder = new CachedMessageEncoder();
    const from = { ...MASTER };
    const names = Array.from({ length: 10 }, (_, k) => `a.N${k}`);
    for (let round = 0; round < 3; round++) {
      // Changed before the last round: every head cached for it is stale.
      if (round === 2) (from as { port: number }).port = 7000;
      for (const [k, name] of names.entries()) {
        const to = k % 2 === 0 ? AGENT : MASTER;
        const body = cat(`${round}-${k}`);
        const bytes = encoder.encode(name, from, to, body, 'mesos-1.11');
        assert.deepEqual(bytes, encodeMessage({ name, from, to, body }, 'mesos-1.11'), `${round} ${name}`);
      }
    }
  });

  it('throws what encodeMessage throws, every time', () => {
    const encoder = new CachedMessageEncoder();
    for (let i = 0; i < 2; i++) {
      assert.throws(
        () => encoder.encode('bad name', MASTER, AGENT, cat('x'), 'mesos-1.11'),
        (e: Error & { code?: string }) => e.code === 'MW_LIBPROCESS_BAD_NAME',
      );
    }
  });

  it('equals encodeMessage for any style, UPIDs, name and body, in any order of messages', () => {
    const upid = fc.record({
      id: fc.constantFrom('master', 'slave(1)', 'scheduler-1', ''),
      host: fc.constantFrom('127.0.0.1', '10.0.0.2', 'agent.example'),
      port: fc.integer({ min: 0, max: 65535 }),
      hostKind: fc.constant('ipv4' as const),
    });
    const message = fc.record({
      style: fc.constantFrom(...MESSAGE_STYLES),
      name: fc.constantFrom('mesos.internal.PingSlaveMessage', 'x', 'a.B'),
      from: upid,
      to: upid,
      body: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 20 }), (messages) => {
        const encoder = new CachedMessageEncoder();
        for (const m of messages) {
          const hostKind = (u: Upid): Upid => (u.host === 'agent.example' ? { ...u, hostKind: 'hostname' } : u);
          const from = hostKind(m.from);
          const to = hostKind(m.to);
          assert.deepEqual(
            encoder.encode(m.name, from, to, m.body, m.style),
            encodeMessage({ name: m.name, from, to, body: m.body }, m.style),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
