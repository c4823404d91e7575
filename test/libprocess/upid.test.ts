import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMesosWireError } from '../../src/errors.ts';
import {
  EMPTY_UPID,
  formatUpid,
  isEmptyUpid,
  makeUpid,
  parseUpid,
  parseUpidLikeMesos,
  tryParseUpid,
  upidEquals,
} from '../../src/libprocess/upid.ts';

describe('parseUpid (strict)', () => {
  const accepted: [string, { id: string; host: string; port: number; hostKind: string }][] = [
    ['master@10.0.0.1:5050', { id: 'master', host: '10.0.0.1', port: 5050, hostKind: 'ipv4' }],
    ['slave(1)@10.0.0.2:5051', { id: 'slave(1)', host: '10.0.0.2', port: 5051, hostKind: 'ipv4' }],
    ['@0.0.0.0:0', { id: '', host: '0.0.0.0', port: 0, hostKind: 'ipv4' }],
    ['id@[::1]:5050', { id: 'id', host: '::1', port: 5050, hostKind: 'ipv6' }],
    ['x@[2001:db8::8:800:200c:417a]:1', { id: 'x', host: '2001:db8::8:800:200c:417a', port: 1, hostKind: 'ipv6' }],
    ['x@[::ffff:10.0.0.1]:65535', { id: 'x', host: '::ffff:10.0.0.1', port: 65535, hostKind: 'ipv6' }],
    ['x@[1:2:3:4:5:6:7:8]:9', { id: 'x', host: '1:2:3:4:5:6:7:8', port: 9, hostKind: 'ipv6' }],
    [
      'master@mesos-master.example.com:5050',
      { id: 'master', host: 'mesos-master.example.com', port: 5050, hostKind: 'hostname' },
    ],
    ['master@localhost:5050', { id: 'master', host: 'localhost', port: 5050, hostKind: 'hostname' }],
    [
      'scheduler-3f2b0c1e-7a4d-4c55-9a11-2d5e6f7a8b9c@10.1.2.3:40123',
      { id: 'scheduler-3f2b0c1e-7a4d-4c55-9a11-2d5e6f7a8b9c', host: '10.1.2.3', port: 40123, hostKind: 'ipv4' },
    ],
    ['__req_res__(7)@127.0.0.1:1', { id: '__req_res__(7)', host: '127.0.0.1', port: 1, hostKind: 'ipv4' }],
  ];
  for (const [text, expected] of accepted) {
    it(`accepts ${text} and formats it back`, () => {
      const upid = parseUpid(text);
      assert.deepEqual({ ...upid }, expected);
      assert.equal(formatUpid(upid), text);
    });
  }

  const rejected: [string, string, number][] = [
    ['master10.0.0.1:5050', 'MW_UPID_INVALID', 19],
    ['ma ster@10.0.0.1:5050', 'MW_UPID_INVALID', 2],
    ['a/b@10.0.0.1:5050', 'MW_UPID_INVALID', 1],
    ['master@10.0.0.1', 'MW_UPID_INVALID', 15],
    ['master@:5050', 'MW_UPID_BAD_HOST', 7],
    ['master@10.0.0.1:', 'MW_UPID_BAD_PORT', 16],
    ['master@10.0.0.1:65536', 'MW_UPID_BAD_PORT', 16],
    ['master@10.0.0.1:123456', 'MW_UPID_BAD_PORT', 16],
    ['master@10.0.0.1:05050', 'MW_UPID_BAD_PORT', 16],
    ['master@10.0.0.1:50x0', 'MW_UPID_BAD_PORT', 18],
    ['master@10.0.0.1:-1', 'MW_UPID_BAD_PORT', 16],
    ['master@10.0.0.1:5050 ', 'MW_UPID_BAD_PORT', 20],
    ['id@::1:5050', 'MW_UPID_BAD_HOST', 3],
    ['id@[::1:5050', 'MW_UPID_BAD_HOST', 12],
    ['id@[::1]5050', 'MW_UPID_INVALID', 8],
    ['id@[::g]:5050', 'MW_UPID_BAD_HOST', 6],
    ['id@[1::2::3]:1', 'MW_UPID_BAD_HOST', 8],
    ['id@[1:2:3:4:5:6:7]:1', 'MW_UPID_BAD_HOST', 16],
    ['id@1.2.3.04:1', 'MW_UPID_BAD_HOST', 3],
    ['id@300.1.1.1:1', 'MW_UPID_BAD_HOST', 3],
    ['id@bad_host!:1', 'MW_UPID_BAD_HOST', 11],
    ['id@-lead.example:1', 'MW_UPID_BAD_HOST', 3],
    ['id@a..b:1', 'MW_UPID_BAD_HOST', 5],
  ];
  for (const [text, code, offset] of rejected) {
    it(`rejects ${JSON.stringify(text)} with ${code} at ${offset}`, () => {
      assert.throws(
        () => parseUpid(text),
        (e: unknown) => isMesosWireError(e) && e.code === code && e.offset === offset,
      );
      assert.equal(tryParseUpid(text), undefined);
    });
  }

  it('round-trips generated UPIDs (format then parse)', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_().-]{0,20}$/);
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    const host = fc.oneof(ipv4, fc.constantFrom('localhost', 'a.example', 'h-1.b_c.d'), fc.ipV6());
    fc.assert(
      fc.property(id, host, fc.nat(65535), (i, h, p) => {
        const upid = makeUpid(i, h, p);
        const again = parseUpid(formatUpid(upid));
        assert.ok(upidEquals(upid, again));
        assert.equal(again.port, p);
      }),
      { numRuns: 300 },
    );
  });
});

describe('upidEquals', () => {
  it('compares id, address and port; IPv6 after normalisation; hostnames case-insensitively', () => {
    assert.ok(upidEquals(parseUpid('a@[::1]:1'), parseUpid('a@[0:0:0:0:0:0:0:1]:1')));
    assert.ok(upidEquals(parseUpid('a@[::ffff:1.2.3.4]:1'), parseUpid('a@[::ffff:102:304]:1')));
    assert.ok(upidEquals(parseUpid('a@Host.Example:1'), parseUpid('a@host.example:1')));
    assert.ok(!upidEquals(parseUpid('a@1.2.3.4:1'), parseUpid('b@1.2.3.4:1')));
    assert.ok(!upidEquals(parseUpid('a@1.2.3.4:1'), parseUpid('a@1.2.3.4:2')));
    assert.ok(!upidEquals(parseUpid('a@1.2.3.4:1'), parseUpid('a@1.2.3.5:1')));
  });
  it('knows the empty UPID', () => {
    assert.ok(isEmptyUpid(parseUpid('@0.0.0.0:0')));
    assert.ok(!isEmptyUpid(parseUpid('@0.0.0.0:1')));
    assert.equal(formatUpid(EMPTY_UPID), '@0.0.0.0:0');
  });
});

describe('parseUpidLikeMesos (pid.cpp, wire-protocol.md §2.8)', () => {
  const cases: [string, string, string?][] = [
    ['master@10.0.0.1:5050', 'master@10.0.0.1:5050'],
    ['  master@10.0.0.1:5050  ', 'master@10.0.0.1:5050'],
    ['master@10.0.0.1:5050 libcurl/7.1', 'master@10.0.0.1:5050'],
    ['master@10.0.0.1:5050\tx', 'master@10.0.0.1:5050'],
    ['@0.0.0.0:0', '@0.0.0.0:0'],
    ['', '@0.0.0.0:0'],
    ['   ', '@0.0.0.0:0'],
    ['master', '@0.0.0.0:0'],
    ['master@10.0.0.1', '@0.0.0.0:0'],
    ['master@10.0.0.1:', '@0.0.0.0:0'],
    ['master@10.0.0.1:abc', '@0.0.0.0:0'],
    // %hu: trailing junk ignored, wrap modulo 2^16, sign accepted, saturation on overflow.
    ['master@10.0.0.1:5050abc', 'master@10.0.0.1:5050'],
    ['master@10.0.0.1:05050', 'master@10.0.0.1:5050'],
    ['master@10.0.0.1:65536', 'master@10.0.0.1:0'],
    ['master@10.0.0.1:70000', 'master@10.0.0.1:4464'],
    ['master@10.0.0.1:-1', 'master@10.0.0.1:65535'],
    ['master@10.0.0.1:+80', 'master@10.0.0.1:80'],
    ['master@10.0.0.1:99999999999999999999999', 'master@10.0.0.1:65535'],
    // id keeps everything before the first '@'; host stops at the first ':'.
    ['a@b@10.0.0.1:1', '@0.0.0.0:0'],
    ['id@[::1]:5050', '@0.0.0.0:0'],
    ['id@::1:5050', '@0.0.0.0:0'],
    ['id@:5050', '@0.0.0.0:0'],
    ['master@mesos.example:5050', 'master@mesos.example:5050', 'hostname'],
    ['master@10.0.0.1:5050:6060', 'master@10.0.0.1:5050'],
  ];
  for (const [input, expected, kind] of cases) {
    it(`${JSON.stringify(input)} -> ${expected}`, () => {
      const upid = parseUpidLikeMesos(input);
      assert.equal(formatUpid(upid), expected);
      if (kind !== undefined) assert.equal(upid.hostKind, kind);
    });
  }
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        parseUpidLikeMesos(s);
      }),
      { numRuns: 500 },
    );
  });
  it('agrees with the strict parser on every strictly valid IPv4 UPID', () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_().-]{0,12}$/), ipv4, fc.nat(65535), (id, host, port) => {
        const text = `${id}@${host}:${port}`;
        assert.equal(formatUpid(parseUpidLikeMesos(text)), formatUpid(parseUpid(text)));
      }),
      { numRuns: 300 },
    );
  });
});
