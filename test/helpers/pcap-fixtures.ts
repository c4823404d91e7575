/**
 * The generated capture fixtures (fixtures/pcap/generated/), defined once: the script
 * scripts/make-pcap-fixtures.ts writes them, and the tests check that the committed
 * files still equal what these definitions produce.
 */
import { ascii, cat, hex } from './bytes.ts';
import {
  type ByteOrder,
  enhancedPacketBlock,
  ethernetFrame,
  interfaceDescriptionBlock,
  ipv4Packet,
  ipv6Packet,
  nullFrame,
  obsoletePacketBlock,
  pcapFile,
  pcapngBlock,
  pcapngFile,
  recordsAt,
  sectionHeaderBlock,
  simplePacketBlock,
  sll2Frame,
  sllFrame,
  TcpConversation,
} from './pcap-writer.ts';

/** 2026-11-27T21:00:00Z */
export const FIXTURE_EPOCH = 1795813200;

/** wire-protocol.md §1.6 Example A (313 bytes): StatusUpdateAcknowledgementMessage with a 68-byte body. */
export const EXAMPLE_A = cat(
  'POST /slave(1)/mesos.internal.StatusUpdateAcknowledgementMessage HTTP/1.1\r\n' +
    'User-Agent: libprocess/master@10.0.0.1:5050\r\n' +
    'Libprocess-From: master@10.0.0.1:5050\r\n' +
    'Connection: Keep-Alive\r\n' +
    'Host: 10.0.0.2:5051\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n44\r\n',
  hex(
    '0a0d0a0b32303234303130312d5330120f0a0d32303234303130312d303030301a100a0e7461736b2d303030303030303031' +
      '22108f5b1e2a447c4d6e9a3b0c1122334455',
  ),
  '\r\n0\r\n\r\n',
);

/** wire-protocol.md §1.6 Example B (250 bytes). */
export const EXAMPLE_B = ascii(
  'POST /slave(1)/mesos.internal.PingSlaveMessage HTTP/1.1\r\n' +
    'User-Agent: libprocess/slave-observer(1)@10.0.0.1:5050\r\n' +
    'Libprocess-From: slave-observer(1)@10.0.0.1:5050\r\n' +
    'Connection: Keep-Alive\r\n' +
    'Host: 10.0.0.2:5051\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n2\r\n\x08\x01\r\n0\r\n\r\n',
);

/** wire-protocol.md §1.6 Example C (201 bytes). */
export const EXAMPLE_C = ascii(
  'POST /slave-observer(1)/mesos.internal.PongSlaveMessage HTTP/1.1\r\n' +
    'User-Agent: libprocess/slave(1)@10.0.0.2:5051\r\n' +
    'Libprocess-From: slave(1)@10.0.0.2:5051\r\n' +
    'Connection: Keep-Alive\r\n' +
    'Host: 10.0.0.1:5050\r\n\r\n',
);

/** wire-protocol.md §1.6 Example D (81 bytes). */
export const ACCEPTED = ascii(
  'HTTP/1.1 202 Accepted\r\nDate: Fri, 23 Aug 2024 18:59:00 GMT\r\nContent-Length: 0\r\n\r\n',
);

export const AGENT = { ip: '10.0.0.2', port: 5051 };
export const MASTER = { ip: '10.0.0.1', port: 5050 };
/** The sender's ephemeral port in most scenarios. */
export const CLIENT = { ip: '10.0.0.1', port: 40000 };

export interface GeneratedFixture {
  /** File name under fixtures/pcap/generated/. */
  name: string;
  /** What it shows (copied into the README). */
  description: string;
  bytes: () => Uint8Array;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;

const eth4 = (ip: Uint8Array) => ethernetFrame(ETHERTYPE_IPV4, ip);
const ethernetPcap = (frames: Uint8Array[], options: { snapLength?: number } = {}) =>
  pcapFile({ linkType: 1, records: recordsAt(FIXTURE_EPOCH, frames.map(eth4)), ...options });

/** Example B cut into [0,100), [100,200), [200,250). */
const B1 = EXAMPLE_B.subarray(0, 100);
const B2 = EXAMPLE_B.subarray(100, 200);
const B3 = EXAMPLE_B.subarray(200);

function conversation(clientIsn = 1000, serverIsn = 5000): TcpConversation {
  return new TcpConversation(CLIENT, AGENT, clientIsn, serverIsn);
}

function reorder(): Uint8Array {
  const c = conversation();
  const hs = c.handshake();
  const [p1, p2, p3] = c.send('client', B1, B2, B3);
  const reply = c.send('server', ACCEPTED);
  return ethernetPcap([...hs, p1!, p3!, p2!, ...reply, ...c.close()]);
}

function duplicate(): Uint8Array {
  const c = conversation();
  const hs = c.handshake();
  const [p1, p2, p3] = c.send('client', B1, B2, B3);
  const reply = c.send('server', ACCEPTED);
  return ethernetPcap([...hs, p1!, p2!, p2!, p3!, p1!, ...reply, ...c.close()]);
}

function conflict(): Uint8Array {
  const c = conversation();
  const hs = c.handshake();
  const [p1, p2, p3] = c.send('client', B1, B2, B3);
  const altered = B2.slice();
  altered.set(ascii('XXXX'), 10);
  const bad = c.segmentAt('client', 1001 + 100, altered);
  const reply = c.send('server', ACCEPTED);
  return ethernetPcap([...hs, p1!, p2!, bad, p3!, ...reply, ...c.close()]);
}

function gap(): Uint8Array {
  const c = conversation();
  const hs = c.handshake();
  const [p1, , p3, pC] = c.send('client', B1, B2, B3, EXAMPLE_C);
  const reply = c.send('server', ACCEPTED, ACCEPTED);
  return ethernetPcap([...hs, p1!, p3!, pC!, ...reply, ...c.close()]);
}

function snaplen(): Uint8Array {
  const c = conversation();
  const frames = [...c.handshake(), ...c.send('client', EXAMPLE_B, EXAMPLE_C), ...c.send('server', ACCEPTED)];
  frames.push(...c.close());
  const records = recordsAt(FIXTURE_EPOCH, frames.map(eth4)).map((r) => ({
    ...r,
    data: r.data.subarray(0, 100),
    originalLength: r.data.length,
  }));
  return pcapFile({ linkType: 1, snapLength: 100, records });
}

function midstream(): Uint8Array {
  const c = conversation();
  c.handshake();
  const [, p2, p3, pC] = c.send('client', B1, B2, B3, EXAMPLE_C);
  const reply = c.send('server', ACCEPTED, ACCEPTED);
  return ethernetPcap([p2!, p3!, pC!, ...reply, ...c.close()]);
}

function vlan(): Uint8Array {
  const c = conversation();
  const frames = [...c.handshake(), ...c.send('client', EXAMPLE_C), ...c.send('server', ACCEPTED), ...c.close()];
  // Client-to-server frames (even index in this list: SYN, ACK, data, FIN, last ACK) carry one 802.1Q tag;
  // server-to-client frames carry an 802.1ad service tag plus an 802.1Q customer tag.
  const fromClient = [true, false, true, true, false, true, false, true];
  const tagged = frames.map((ip, i) =>
    fromClient[i]
      ? ethernetFrame(ETHERTYPE_IPV4, ip, [[0x8100, 100]])
      : ethernetFrame(ETHERTYPE_IPV4, ip, [
          [0x88a8, 200],
          [0x8100, 300],
        ]),
  );
  return pcapFile({ linkType: 1, records: recordsAt(FIXTURE_EPOCH, tagged) });
}

function ipv6WithExtensions(): Uint8Array {
  const client = { ip: 'fd00::1', port: 40000 };
  const server = { ip: 'fd00::2', port: 5051 };
  const c = new TcpConversation(client, server, 1000, 5000);
  const hs = c.handshake();
  // The request travels with a hop-by-hop and a destination-options header before TCP.
  const plain = c.send('client', EXAMPLE_B)[0]!;
  const tcp = plain.subarray(40);
  const withExtensions = ipv6Packet(
    {
      source: client.ip,
      destination: server.ip,
      extensions: [
        { type: 0, body: new Uint8Array(6) },
        { type: 60, body: new Uint8Array(14) },
      ],
    },
    6,
    tcp,
  );
  const frames = [...hs, withExtensions, ...c.send('server', ACCEPTED), ...c.close()];
  return pcapFile({
    linkType: 1,
    records: recordsAt(
      FIXTURE_EPOCH,
      frames.map((ip) => ethernetFrame(ETHERTYPE_IPV6, ip)),
    ),
  });
}

function simpleExchange(client = CLIENT, server = AGENT): Uint8Array[] {
  const c = new TcpConversation(client, server, 1000, 5000);
  return [...c.handshake(), ...c.send('client', EXAMPLE_C), ...c.send('server', ACCEPTED), ...c.close()];
}

function linkPcap(linkType: number, wrap: (ip: Uint8Array) => Uint8Array, ipv6 = false): Uint8Array {
  const frames = ipv6 ? simpleExchange({ ip: '::1', port: 40000 }, { ip: '::1', port: 5051 }) : simpleExchange();
  return pcapFile({ linkType, records: recordsAt(FIXTURE_EPOCH, frames.map(wrap)) });
}

function byteOrderPcap(order: ByteOrder, nanosecond: boolean): Uint8Array {
  const frames = simpleExchange().map(eth4);
  // Fractions with every digit significant, to show the full precision survives.
  const records = frames.map((data, i) => ({
    seconds: FIXTURE_EPOCH + i,
    fraction: nanosecond ? 123456789 + i : 123456 + i,
    data,
  }));
  return pcapFile({ linkType: 1, order, nanosecond, records });
}

function twoSections(): Uint8Array {
  const c = conversation();
  const frames = [...c.handshake(), ...c.send('client', EXAMPLE_C), ...c.send('server', ACCEPTED), ...c.close()];
  const s = FIXTURE_EPOCH;
  const blocks: Uint8Array[] = [
    // Section 0, little-endian: interface 0 Ethernet in microseconds (no if_tsresol), interface 1 raw IPv4 in ns.
    sectionHeaderBlock('le', [{ code: 4, value: ascii('mesos-wire fixture') }]),
    interfaceDescriptionBlock('le', { linkType: 1, snapLength: 65535 }),
    interfaceDescriptionBlock('le', { linkType: 228, snapLength: 65535, tsresol: 9 }),
    enhancedPacketBlock('le', { interfaceId: 0, units: BigInt(s) * 1_000_000n + 1n, data: eth4(frames[0]!) }),
    enhancedPacketBlock('le', {
      interfaceId: 1,
      units: BigInt(s) * 1_000_000_000n + 2_000_003n,
      data: frames[1]!,
      options: [{ code: 1, value: ascii('comment') }],
    }),
    // A Custom Block (a frame in Wireshark, so it takes frame number 3), an unknown block type and a
    // Name Resolution Block: all skipped.
    pcapngBlock(0x00000bad, ascii('custom block body'), 'le'),
    pcapngBlock(0x0000abcd, ascii('unknown block body'), 'le'),
    pcapngBlock(0x00000004, new Uint8Array(4), 'le'),
    enhancedPacketBlock('le', { interfaceId: 0, units: BigInt(s) * 1_000_000n + 3000n, data: eth4(frames[2]!) }),
    // Section 1, big-endian: interface 0 Ethernet, 2^-20 s units, snaplen 256, clock offset +3600 s.
    sectionHeaderBlock('be'),
    interfaceDescriptionBlock('be', { linkType: 1, snapLength: 256, tsresol: 0x80 | 20, tsoffset: 3600n }),
    enhancedPacketBlock('be', { interfaceId: 0, units: BigInt(s) * 1048576n + 524288n, data: eth4(frames[3]!) }),
    simplePacketBlock('be', eth4(frames[4]!)),
    obsoletePacketBlock('be', { interfaceId: 0, units: BigInt(s) * 1048576n + 1n, data: eth4(frames[5]!) }),
    enhancedPacketBlock('be', { interfaceId: 0, units: BigInt(s + 1) * 1048576n, data: eth4(frames[6]!) }),
    enhancedPacketBlock('be', { interfaceId: 0, units: BigInt(s + 1) * 1048576n + 3n, data: eth4(frames[7]!) }),
  ];
  return pcapngFile(blocks);
}

function wraparound(): Uint8Array {
  // The client's ISN sits 100 bytes below 2^32: Example B crosses the wrap.
  const c = conversation(0xffffff9b, 0xfffffff0);
  const frames = [
    ...c.handshake(),
    ...c.send('client', B1, B2, B3),
    ...c.send('server', ACCEPTED),
    ...c.send('client', EXAMPLE_C),
    ...c.send('server', ACCEPTED),
    ...c.close(),
  ];
  return ethernetPcap(frames);
}

function portReuse(): Uint8Array {
  const first = conversation(1000, 5000);
  const a = [...first.handshake(), ...first.send('client', EXAMPLE_C), ...first.send('server', ACCEPTED)];
  a.push(...first.close());
  const second = conversation(900000, 700000);
  const b = [...second.handshake(), ...second.send('client', EXAMPLE_B), second.rst('server')];
  // The second ended by RST, so the third is a plain reuse of a closed 4-tuple.
  const third = conversation(2000000, 3000000);
  const c3 = [...third.handshake(), ...third.send('client', EXAMPLE_C)];
  // ...and a fourth SYN arrives while the third is still open: the third closes as 'reused'.
  const fourth = conversation(4000000, 6000000);
  const d = [...fourth.handshake(), ...fourth.send('client', EXAMPLE_C), ...fourth.close()];
  return ethernetPcap([...a, ...b, ...c3, ...d]);
}

function ipFragments(): Uint8Array {
  const c = conversation();
  const hs = c.handshake();
  const whole = c.send('client', EXAMPLE_C)[0]!;
  const tcp = whole.subarray(20);
  const firstPart = tcp.subarray(0, 104);
  const secondPart = tcp.subarray(104);
  const frag1 = ipv4Packet({ source: CLIENT.ip, destination: AGENT.ip, id: 77, moreFragments: true }, firstPart);
  const frag2 = ipv4Packet({ source: CLIENT.ip, destination: AGENT.ip, id: 77, fragmentOffset: 104 }, secondPart);
  const after = c.send('client', EXAMPLE_B);
  const reply = c.send('server', ACCEPTED, ACCEPTED);
  // The second fragment travels first: reassembly does not depend on order.
  return ethernetPcap([...hs, frag2, frag1, ...after, ...reply, ...c.close()]);
}

function ipFragmentLost(): Uint8Array {
  const c = conversation();
  const hs = c.handshake();
  const tcp = c.send('client', EXAMPLE_C)[0]!.subarray(20);
  const frag1 = ipv4Packet(
    { source: CLIENT.ip, destination: AGENT.ip, id: 78, moreFragments: true },
    tcp.subarray(0, 104),
  );
  const after = c.send('client', EXAMPLE_B);
  const reply = c.send('server', ACCEPTED, ACCEPTED);
  return ethernetPcap([...hs, frag1, ...after, ...reply, ...c.close()]);
}

function ipv4Options(): Uint8Array {
  // Record-route style option bytes (type 7, length 7, pointer 4, one empty slot) plus an end-of-list pad.
  const options = Uint8Array.of(7, 7, 4, 0, 0, 0, 0, 0);
  const c = conversation();
  const frames = [...c.handshake(), ...c.send('client', EXAMPLE_C), ...c.send('server', ACCEPTED), ...c.close()];
  const withOptions = frames.map((ip) => {
    const tcp = ip.subarray(20);
    const source = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    const destination = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    return ipv4Packet({ source, destination, options, dontFragment: true }, tcp);
  });
  return ethernetPcap(withOptions);
}

/** Every generated fixture. */
export const GENERATED_PCAP_FIXTURES: GeneratedFixture[] = [
  {
    name: 'reorder.pcap',
    description: 'Example B in three segments sent 1, 3, 2; the stream comes out in order.',
    bytes: reorder,
  },
  {
    name: 'duplicate.pcap',
    description:
      'Segment 2 sent twice and segment 1 again at the end: identical retransmissions, counted, no diagnostic.',
    bytes: duplicate,
  },
  {
    name: 'retransmission-conflict.pcap',
    description: 'Segment 2 retransmitted with 4 different bytes: tcp-retransmission-conflict, first copy kept.',
    bytes: conflict,
  },
  {
    name: 'gap.pcap',
    description: 'Segment 2 of Example B never captured; Example C follows. One 100-byte tcp-gap at close.',
    bytes: gap,
  },
  {
    name: 'snaplen-100.pcap',
    description: 'Snap length 100: every data segment loses its tail; tcp-gap reason snaplen for each.',
    bytes: snaplen,
  },
  {
    name: 'midstream.pcap',
    description: 'Starts at segment 2 of Example B (no handshake): tcp-midstream-start for both directions.',
    bytes: midstream,
  },
  {
    name: 'vlan.pcap',
    description: 'Client frames tagged 802.1Q VLAN 100, server frames QinQ (802.1ad 200 + 802.1Q 300).',
    bytes: vlan,
  },
  {
    name: 'ipv6-extension-headers.pcap',
    description: 'IPv6 over Ethernet; the request carries hop-by-hop and destination-options headers.',
    bytes: ipv6WithExtensions,
  },
  {
    name: 'ipv4-options.pcap',
    description: 'IPv4 headers with 8 option bytes (IHL 7) and DF set.',
    bytes: ipv4Options,
  },
  {
    name: 'ip-fragments.pcap',
    description: 'Example C as two IPv4 fragments, the second sent first: ip-fragment x2, reassembled, no gap.',
    bytes: ipFragments,
  },
  {
    name: 'ip-fragment-lost.pcap',
    description: 'Example C as IPv4 fragments whose second one is never captured: a 201-byte tcp-gap at close.',
    bytes: ipFragmentLost,
  },
  {
    name: 'sll.pcap',
    description: 'Linux cooked capture v1 (LINKTYPE 113).',
    bytes: () => linkPcap(113, (ip) => sllFrame(ETHERTYPE_IPV4, ip)),
  },
  {
    name: 'sll2.pcap',
    description: 'Linux cooked capture v2 (LINKTYPE 276), IPv6 over ::1.',
    bytes: () => linkPcap(276, (ip) => sll2Frame(ETHERTYPE_IPV6, ip), true),
  },
  {
    name: 'null-le.pcap',
    description: 'BSD loopback (LINKTYPE 0), AF_INET 2 written little-endian.',
    bytes: () => linkPcap(0, (ip) => nullFrame(2, ip, 'le')),
  },
  {
    name: 'null-be-ipv6.pcap',
    description: 'BSD loopback (LINKTYPE 0), AF_INET6 30 (Darwin) written big-endian.',
    bytes: () => linkPcap(0, (ip) => nullFrame(30, ip, 'be'), true),
  },
  {
    name: 'loop.pcap',
    description: 'OpenBSD loopback (LINKTYPE 108), AF_INET6 24, always big-endian.',
    bytes: () => linkPcap(108, (ip) => nullFrame(24, ip, 'be'), true),
  },
  {
    name: 'raw-ipv4.pcap',
    description: 'Raw IPv4 (LINKTYPE 228).',
    bytes: () => linkPcap(228, (ip) => ip),
  },
  {
    name: 'raw.pcap',
    description: 'Raw IP (LINKTYPE 101), IPv6 packets.',
    bytes: () => linkPcap(101, (ip) => ip, true),
  },
  {
    name: 'big-endian.pcap',
    description: 'Big-endian microsecond pcap (magic a1b2c3d4 as written by a big-endian host).',
    bytes: () => byteOrderPcap('be', false),
  },
  {
    name: 'nanosecond.pcap',
    description: 'Little-endian nanosecond pcap (magic a1b23c4d).',
    bytes: () => byteOrderPcap('le', true),
  },
  {
    name: 'nanosecond-be.pcap',
    description: 'Big-endian nanosecond pcap.',
    bytes: () => byteOrderPcap('be', true),
  },
  {
    name: 'two-sections.pcapng',
    description:
      'pcapng: section 0 little-endian with Ethernet (µs) and raw IPv4 (ns) interfaces, a custom block (frame 3), ' +
      'an unknown block and an NRB; ' +
      'section 1 big-endian with 2^-20 s resolution, if_tsoffset 3600, an SPB and an obsolete Packet Block.',
    bytes: twoSections,
  },
  {
    name: 'seq-wraparound.pcap',
    description: 'Both ISNs just below 2^32: sequence numbers wrap inside Example B and the 202.',
    bytes: wraparound,
  },
  {
    name: 'port-reuse.pcap',
    description:
      'One 4-tuple, four connections: FIN close, RST close, then a SYN with a new ISN while the third is open.',
    bytes: portReuse,
  },
];
