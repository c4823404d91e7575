/**
 * The libprocess layer remembers recent results (classifications by target, sender texts parsed like Mesos): a
 * remembered answer must equal a fresh one, and every call must hand out objects the caller owns. Also the IPv4 and
 * `%hu` scans against naive references written here.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HttpDecoder } from '../../src/http/decoder.ts';
import type { HttpMessage } from '../../src/http/types.ts';
import {
  type ClassifiedMessage,
  classifyRequest,
  EMPTY_UPID,
  parseUpidLikeMesosDetailed,
  type RequestHeadLike,
} from '../../src/libprocess/index.ts';
import { ascii } from '../helpers/bytes.ts';

const RUNS = { numRuns: 20_000, interruptAfterTimeLimit: 500, markInterruptAsFailure: false };

const head = (method: string, target: string, headers: [string, string][]): RequestHeadLike => ({
  method,
  target,
  headers: headers.map(([name, value]) => ({ name, value })),
});

/** Inet_pton's dotted quad, written the obvious way. */
function referenceIpv4(host: string): boolean {
  const parts = host.split('.');
  return (
    parts.length === 4 &&
    parts.every((p) => /^[0-9]{1,3}$/.test(p) && !(p.length > 1 && p[0] === '0') && Number(p) <= 255)
  );
}

/** C sscanf("%hu") on the text after the port colon, with BigInt arithmetic throughout. */
function referencePort(text: string): number | undefined {
  const m = /^([+-]?)([0-9]+)/.exec(text);
  if (m === null) return undefined;
  const max = (1n << 64n) - 1n;
  const magnitude = BigInt(m[2]!);
  const value = magnitude > max ? max : m[1] === '-' ? ((1n << 64n) - magnitude) & max : magnitude;
  return Number(value & 0xffffn);
}

describe('classifyRequest keeps recent results', () => {
  it('a repeated request gives equal results in new objects; mutating one does not leak into the next', () => {
    const h = head('POST', '/slave(1)/m.X', [['Libprocess-From', ' master@10.0.0.1:5050 ']]);
    const first = classifyRequest(h) as ClassifiedMessage;
    const second = classifyRequest(h) as ClassifiedMessage;
    assert.deepEqual(second, first);
    assert.notEqual(second, first);
    assert.notEqual(second.from, first.from);
    (first as { name: string }).name = 'changed';
    (first.from as { port: number }).port = 1;
    const third = classifyRequest(h) as ClassifiedMessage;
    assert.equal(third.name, 'm.X');
    assert.equal(third.from.port, 5050);
    assert.equal(third.fromText, 'master@10.0.0.1:5050');
  });

  it('the same target with another method or sender is classified afresh', () => {
    const target = '/slave(1)/m.Y';
    assert.equal(classifyRequest(head('POST', target, [['Libprocess-From', 'a@1.2.3.4:1']])).kind, 'message');
    assert.deepEqual(classifyRequest(head('GET', target, [['Libprocess-From', 'a@1.2.3.4:1']])), {
      kind: 'request',
      path: target,
    });
    assert.equal(classifyRequest(head('POST', target, [])).kind, 'request');
    const byAgent = classifyRequest(head('POST', target, [['User-Agent', 'libprocess/b@1.2.3.5:2']]));
    assert.equal(byAgent.kind === 'message' && byAgent.fromText, 'b@1.2.3.5:2');
    const invalid = classifyRequest(head('POST', target, [['Libprocess-From', 'nonsense']]));
    assert.equal(invalid.kind === 'message' && invalid.from, EMPTY_UPID);
  });

  it('remembered answers equal fresh ones for random requests, asked in random order', () => {
    const targets = ['/a/b', '/a%20b/c', '/%zz/x', 'http://h/p/q?x', 'x', '/a+b', '/only', '/a/b?q#f'];
    const senders = [undefined, 'm@1.2.3.4:5', '  m@1.2.3.4:5', 'bad', '@0.0.0.0:0'];
    const agents = [undefined, 'libprocess/s@5.6.7.8:9', 'curl/8'];
    const request = fc.record({
      method: fc.constantFrom('POST', 'GET', 'PUT'),
      target: fc.constantFrom(...targets),
      from: fc.constantFrom(...senders),
      agent: fc.constantFrom(...agents),
    });
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 20 }), (requests) => {
        const answers = new Map<string, string>();
        for (const r of requests) {
          const headers: [string, string][] = [];
          if (r.agent !== undefined) headers.push(['User-Agent', r.agent]);
          if (r.from !== undefined) headers.push(['Libprocess-From', r.from]);
          const c = classifyRequest(head(r.method, r.target, headers));
          // Rejections carry an error object (stack and all): compare what identifies them.
          const shown = JSON.stringify(c.kind === 'rejected' ? { ...c, error: c.error.code } : c);
          const key = JSON.stringify(r);
          if (answers.has(key)) assert.equal(shown, answers.get(key));
          else answers.set(key, shown);
        }
      }),
      RUNS,
    );
  });

  it('decoded heads classify as plain heads with the same fields do', () => {
    const wire = ascii(
      'POST /slave(1)/x.Y HTTP/1.1\r\nUser-Agent: libprocess/m@1.2.3.4:5\r\nLibprocess-From: m@1.2.3.4:5\r\n' +
        'Connection: Keep-Alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    const seen: HttpMessage[] = [];
    const decoder = new HttpDecoder({ onMessage: (m) => seen.push(m) });
    decoder.write(wire);
    decoder.write(wire);
    for (const m of seen) {
      assert.equal(m.kind, 'request');
      if (m.kind !== 'request') continue;
      const plain = head(
        m.method,
        m.target,
        m.headers.map((h) => [h.name, h.value]),
      );
      assert.deepEqual(classifyRequest(m), classifyRequest(plain));
    }
  });
});

describe('parseUpidLikeMesosDetailed keeps recent texts', () => {
  it('every call returns new objects; the invalid answer is the frozen EMPTY_UPID', () => {
    const a = parseUpidLikeMesosDetailed('m@1.2.3.4:5');
    const b = parseUpidLikeMesosDetailed('m@1.2.3.4:5');
    assert.deepEqual(a, b);
    assert.notEqual(a, b);
    assert.notEqual(a.upid, b.upid);
    (a.upid as { id: string }).id = 'changed';
    assert.equal(parseUpidLikeMesosDetailed('m@1.2.3.4:5').upid.id, 'm');
    assert.equal(parseUpidLikeMesosDetailed('junk').upid, EMPTY_UPID);
    assert.equal(parseUpidLikeMesosDetailed('junk').valid, false);
  });

  it('IPv4 hosts as inet_pton reads them (reference: split on dots)', () => {
    const host = fc.stringMatching(/^[0-9.]{0,17}$/);
    fc.assert(
      fc.property(host, (h) => {
        const { upid, valid } = parseUpidLikeMesosDetailed(`a@${h}:1`);
        assert.equal(valid && upid.hostKind === 'ipv4', referenceIpv4(h), h);
      }),
      RUNS,
    );
    for (const h of ['1.2.3.4', '255.255.255.255', '0.0.0.0', '01.2.3.4', '256.1.1.1', '1.2.3', '1.2.3.4.', '1..2.3']) {
      const { upid, valid } = parseUpidLikeMesosDetailed(`a@${h}:1`);
      assert.equal(valid && upid.hostKind === 'ipv4', referenceIpv4(h), h);
    }
  });

  it('ports as sscanf %hu reads them (reference: BigInt throughout)', () => {
    const port = fc.stringMatching(/^[+-]?[0-9]{0,24}[a-z ]?$/);
    fc.assert(
      fc.property(port, (p) => {
        const { upid, valid } = parseUpidLikeMesosDetailed(`a@1.2.3.4:${p}`);
        const expected = referencePort(p);
        assert.equal(valid, expected !== undefined, p);
        if (valid) assert.equal(upid.port, expected, p);
      }),
      RUNS,
    );
    for (const [p, expected] of [
      ['65536', 0],
      ['-1', 65535],
      ['999999999999999', 999999999999999 % 65536],
      ['1000000000000000', 1000000000000000 % 65536],
      ['-65536', 0],
      ['99999999999999999999999', 65535],
    ] as const) {
      assert.equal(parseUpidLikeMesosDetailed(`a@1.2.3.4:${p}`).upid.port, expected, p);
    }
  });
});
