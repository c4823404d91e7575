import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeEthernet,
  decodeFrame,
  decodeIpv4,
  decodeIpv6,
  decodeLinuxSll,
  decodeLinuxSll2,
  decodeLoop,
  decodeNull,
  decodeRawIp,
  decodeTcp,
  decodeTcpOptions,
  formatFlowId,
  formatIpv6,
  reverseFlowId,
  TCP_FLAGS,
} from '../../src/pcap/index.ts';
import { hex } from '../helpers/bytes.ts';

// IPv4 10.0.0.1 -> 10.0.0.2, TCP 40000 -> 5051, seq 1001, ack 5001, PSH|ACK, 3 payload bytes "abc".
const IPV4_TCP = hex(`
  45 00 002b 0001 4000 40 06 0000 0a000001 0a000002
  9c40 13bb 000003e9 00001389 50 18 ffff 0000 0000 | 616263
`);

describe('link-layer decoders', () => {
  it('Ethernet II, untagged', () => {
    assert.deepEqual(decodeEthernet(hex('020000000000 02000000000a 0800 45')), {
      etherType: 0x0800,
      offset: 14,
      vlanIds: [],
    });
  });

  it('Ethernet with 802.1Q, and QinQ (802.1ad + 802.1Q)', () => {
    assert.deepEqual(decodeEthernet(hex('020000000000 02000000000a 8100 2064 0800 45')), {
      etherType: 0x0800,
      offset: 18,
      vlanIds: [100],
    });
    assert.deepEqual(decodeEthernet(hex('020000000000 02000000000a 88a8 00c8 8100 012c 86dd 60')), {
      etherType: 0x86dd,
      offset: 22,
      vlanIds: [200, 300],
    });
  });

  it('reports truncated headers instead of throwing', () => {
    assert.deepEqual(decodeEthernet(hex('0200')), { error: 'Ethernet header truncated (2 of 14 bytes)' });
    assert.deepEqual(decodeEthernet(hex('020000000000 02000000000a 8100 20')), { error: 'VLAN tag truncated' });
    assert.ok('error' in decodeLinuxSll(new Uint8Array(15)));
    assert.ok('error' in decodeLinuxSll2(new Uint8Array(19)));
    assert.ok('error' in decodeNull(new Uint8Array(3)));
    assert.ok('error' in decodeRawIp(new Uint8Array(0)));
    assert.deepEqual(decodeRawIp(hex('50')), { error: 'raw IP packet has version 5' });
  });

  it('Linux cooked v1 (SLL) and v2 (SLL2)', () => {
    assert.deepEqual(decodeLinuxSll(hex('0000 0001 0006 02000000000a0000 0800 45')), {
      etherType: 0x0800,
      offset: 16,
      vlanIds: [],
    });
    assert.deepEqual(decodeLinuxSll2(hex('86dd 0000 00000001 0001 00 06 02000000000a0000 60')), {
      etherType: 0x86dd,
      offset: 20,
      vlanIds: [],
    });
  });

  it('BSD null in either byte order, with the IPv6 families of each BSD', () => {
    assert.equal((decodeNull(hex('02000000 45')) as { etherType: number }).etherType, 0x0800);
    assert.equal((decodeNull(hex('00000002 45')) as { etherType: number }).etherType, 0x0800);
    for (const family of ['18000000', '1c000000', '1e000000', '0000001e', '0000001c', '00000018']) {
      assert.equal((decodeNull(hex(`${family} 60`)) as { etherType: number }).etherType, 0x86dd, family);
    }
    assert.equal((decodeNull(hex('07000000')) as { etherType: number }).etherType, -1);
    // LOOP is always big-endian.
    assert.equal((decodeLoop(hex('00000018 60')) as { etherType: number }).etherType, 0x86dd);
    assert.equal((decodeLoop(hex('18000000 60')) as { etherType: number }).etherType, -1);
  });
});

describe('IP decoders', () => {
  it('IPv4 header fields', () => {
    assert.deepEqual(decodeIpv4(IPV4_TCP, 0), {
      version: 4,
      source: '10.0.0.1',
      destination: '10.0.0.2',
      protocol: 6,
      payloadOffset: 20,
      payloadLength: 23,
      headerLength: 20,
      fragment: undefined,
    });
  });

  it('IPv4 options move the payload', () => {
    const ip = hex('47 00 0020 0000 0000 40 06 0000 0a000001 0a000002 07070400 00000000 | 0102030405060708');
    const h = decodeIpv4(ip, 0);
    assert.ok(!('error' in h));
    assert.equal(h.headerLength, 28);
    assert.equal(h.payloadOffset, 28);
    assert.equal(h.payloadLength, 4);
  });

  it('IPv4 fragments (more-fragments flag, or an offset)', () => {
    const first = decodeIpv4(hex('45 00 0014 004d 2000 40 06 0000 0a000001 0a000002'), 0);
    assert.deepEqual(!('error' in first) && first.fragment, { id: 77, offset: 0, more: true });
    const last = decodeIpv4(hex('45 00 0014 004d 000d 40 06 0000 0a000001 0a000002'), 0);
    assert.deepEqual(!('error' in last) && last.fragment, { id: 77, offset: 104, more: false });
  });

  it('IPv4 errors', () => {
    assert.deepEqual(decodeIpv4(hex('45 00'), 0), { error: 'IPv4 header truncated (2 of 20 bytes)' });
    assert.deepEqual(decodeIpv4(hex('44 00 0014 0000 0000 40 06 0000 0a000001 0a000002'), 0), {
      error: 'IPv4 header length 16 is below 20',
    });
    assert.deepEqual(decodeIpv4(hex('45 00 0010 0000 0000 40 06 0000 0a000001 0a000002'), 0), {
      error: 'IPv4 total length 16 is below its header length',
    });
    assert.deepEqual(decodeIpv4(hex('65 00 0014 0000 0000 40 06 0000 0a000001 0a000002'), 0), {
      error: 'IPv4 header has version 6',
    });
  });

  it('IPv4 total length 0 (segmentation offload) means the captured length', () => {
    const h = decodeIpv4(hex('45 00 0000 0000 0000 40 06 0000 0a000001 0a000002 01020304'), 0);
    assert.equal(!('error' in h) && h.payloadLength, 4);
  });

  it('IPv6 skips hop-by-hop, routing and destination options headers', () => {
    const ip = hex(`
      6000 0000 0020 00 40 fd000000000000000000000000000001 fd000000000000000000000000000002
      3c 00 000000000000 | 06 01 0000000000000000000000000000 | 9c40 13bb
    `);
    const h = decodeIpv6(ip, 0);
    assert.ok(!('error' in h));
    assert.equal(h.source, 'fd00::1');
    assert.equal(h.destination, 'fd00::2');
    assert.equal(h.protocol, 6);
    assert.equal(h.payloadOffset, 40 + 8 + 16);
    assert.equal(h.payloadLength, 32 - 24);
  });

  it('IPv6 fragment header: a fragment, and an atomic fragment (a whole packet)', () => {
    const base = '6000 0000 0010 2c 40 00000000000000000000000000000001 00000000000000000000000000000001';
    const fragment = decodeIpv6(hex(`${base} 06 00 0001 0000002a 0102030405060708`), 0);
    assert.deepEqual(!('error' in fragment) && fragment.fragment, { id: 42, offset: 0, more: true });
    const atomic = decodeIpv6(hex(`${base} 06 00 0000 0000002a 0102030405060708`), 0);
    assert.ok(!('error' in atomic) && atomic.fragment === undefined && atomic.protocol === 6);
  });

  it('IPv6 extension headers that overrun are errors', () => {
    const ip = hex(
      '6000 0000 0008 00 40 00000000000000000000000000000001 00000000000000000000000000000001 06 05 000000000000',
    );
    assert.deepEqual(decodeIpv6(ip, 0), { error: 'IPv6 extension headers exceed the payload length' });
  });

  it('formats IPv6 addresses as RFC 5952 says', () => {
    const cases: [string, string][] = [
      ['00000000000000000000000000000001', '::1'],
      ['00000000000000000000000000000000', '::'],
      ['20010db8000000000000000000000001', '2001:db8::1'],
      ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
      ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
      ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
      ['20010db800000001000100010001abcd', '2001:db8:0:1:1:1:1:abcd'],
      ['00000000000000000000ffff7f000001', '::ffff:127.0.0.1'],
      ['fe800000000000000000000000000000', 'fe80::'],
    ];
    for (const [bytes, text] of cases) assert.equal(formatIpv6(hex(bytes), 0), text);
  });
});

describe('TCP decoder', () => {
  it('header fields and payload', () => {
    const tcp = decodeTcp(IPV4_TCP, 20, 23);
    assert.ok(!('error' in tcp));
    assert.equal(tcp.sourcePort, 40000);
    assert.equal(tcp.destinationPort, 5051);
    assert.equal(tcp.seq, 1001);
    assert.equal(tcp.ack, 5001);
    assert.equal(tcp.flags, TCP_FLAGS.PSH | TCP_FLAGS.ACK);
    assert.equal(tcp.window, 65535);
    assert.equal(tcp.payloadOffset, 40);
    assert.equal(tcp.payloadLength, 3);
    assert.equal(tcp.capturedPayloadLength, 3);
  });

  it('sequence numbers above 2^31 stay unsigned; the AE (NS) bit is flag 0x100', () => {
    const tcp = decodeTcp(hex('0001 0002 fffffffe 80000000 51 12 0000 0000 0000'), 0, 20);
    assert.ok(!('error' in tcp));
    assert.equal(tcp.seq, 0xfffffffe);
    assert.equal(tcp.ack, 0x80000000);
    assert.equal(tcp.flags, TCP_FLAGS.AE | TCP_FLAGS.SYN | TCP_FLAGS.ACK);
  });

  it('a payload cut by the snap length', () => {
    const cut = IPV4_TCP.subarray(0, 41);
    const tcp = decodeTcp(cut, 20, 23);
    assert.ok(!('error' in tcp));
    assert.equal(tcp.payloadLength, 3);
    assert.equal(tcp.capturedPayloadLength, 1);
  });

  it('errors', () => {
    assert.deepEqual(decodeTcp(IPV4_TCP.subarray(0, 30), 20, 23), { error: 'TCP header truncated (10 of 20 bytes)' });
    assert.deepEqual(decodeTcp(hex('0001 0002 00000000 00000000 40 02 0000 0000 0000'), 0, 20), {
      error: 'TCP data offset 16 is below 20',
    });
    assert.deepEqual(decodeTcp(hex('0001 0002 00000000 00000000 60 02 0000 0000 0000'), 0, 20), {
      error: 'TCP header length 24 exceeds the segment',
    });
    assert.deepEqual(decodeTcp(hex('0001 0002 00000000 00000000 60 02 0000 0000 0000'), 0, 30), {
      error: 'TCP options truncated (20 of 24 bytes)',
    });
  });

  it('options: MSS, SACK permitted, timestamps, window scale, SACK blocks, unknown, malformed', () => {
    assert.deepEqual(
      decodeTcpOptions(hex('020405b4 0402 080a 0000000a 00000000 01 030307 05 0a 00000001 00000002 fe 03 aa 01 00')),
      [
        { kind: 'mss', value: 1460 },
        { kind: 'sack-permitted' },
        { kind: 'timestamps', value: 10, echo: 0 },
        { kind: 'window-scale', shift: 7 },
        { kind: 'sack', blocks: [[1, 2]] },
        { kind: 'unknown', code: 0xfe, data: hex('aa') },
      ],
    );
    assert.deepEqual(decodeTcpOptions(hex('02 09 0000')), [{ kind: 'malformed', code: 2, offset: 0 }]);
    assert.deepEqual(decodeTcpOptions(hex('01 01 00 020405b4')), []);
  });
});

describe('decodeFrame and flow ids', () => {
  it('Ethernet + IPv4 + TCP down to the payload', () => {
    const frame = new Uint8Array(14 + IPV4_TCP.length);
    frame.set(hex('020000000000 02000000000a 0800'));
    frame.set(IPV4_TCP, 14);
    const decoded = decodeFrame(1, frame);
    assert.equal(decoded.kind, 'tcp');
    assert.ok(decoded.kind === 'tcp');
    assert.deepEqual(decoded.payload, hex('616263'));
    assert.equal(decoded.missingBytes, 0);
  });

  it('other protocols, unknown link types and garbage', () => {
    assert.deepEqual(decodeFrame(1, hex('020000000000 02000000000a 0806 0001')), {
      kind: 'not-tcp',
      etherType: 0x0806,
      protocol: undefined,
    });
    const udp = IPV4_TCP.slice();
    udp[9] = 17;
    assert.deepEqual(decodeFrame(228, udp), { kind: 'not-tcp', etherType: 0x0800, protocol: 17 });
    assert.deepEqual(decodeFrame(147, IPV4_TCP), { kind: 'unsupported-link-type' });
    assert.deepEqual(decodeFrame(101, hex('45')), {
      kind: 'undecodable',
      reason: 'IPv4 header truncated (1 of 20 bytes)',
    });
  });

  it('flow ids put IPv6 addresses in brackets', () => {
    assert.equal(formatFlowId('10.0.0.1', 40000, '10.0.0.2', 5051), '10.0.0.1:40000>10.0.0.2:5051');
    assert.equal(formatFlowId('::1', 40000, 'fd00::2', 5051), '[::1]:40000>[fd00::2]:5051');
    assert.equal(reverseFlowId('[::1]:40000>[fd00::2]:5051'), '[fd00::2]:5051>[::1]:40000');
  });
});
