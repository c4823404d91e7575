import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AutoCaptureReader, decodeIpv4, decodeIpv6, type IpHeader, TcpReassembler } from '../../src/pcap/index.ts';
import { IpDefragmenter } from '../../src/pcap/ip-defragmenter.ts';
import { ascii, everySplit, hex, toHexString } from '../helpers/bytes.ts';
import {
  ethernetFrame,
  ipv6Fragments,
  ipv6Packet,
  pcapFile,
  recordsAt,
  TcpConversation,
} from '../helpers/pcap-writer.ts';
import { type ReassemblyLog, reassemble, recordEvent } from './harness.ts';

/** An IPv4 fragment 10.0.0.1 -> 10.0.0.2, protocol 6, id 7: flags/offset word and payload as hex. */
function fragment(flagsAndOffset: string, payload: string): { frame: Uint8Array; ip: IpHeader } {
  const body = hex(payload);
  const length = (20 + body.length).toString(16).padStart(4, '0');
  const frame = hex(`45 00 ${length} 0007 ${flagsAndOffset} 40 06 0000 0a000001 0a000002 ${payload}`);
  const ip = decodeIpv4(frame, 0);
  assert.ok(!('error' in ip));
  return { frame, ip };
}

describe('IpDefragmenter, IPv4', () => {
  it('rebuilds a datagram from fragments in any order, clearing the fragment fields', () => {
    const first = fragment('2000', '0102030405060708');
    const middle = fragment('2001', '1112131415161718');
    const last = fragment('0002', '2122');
    const defrag = new IpDefragmenter();
    assert.equal(defrag.push(last.frame, last.ip), undefined);
    assert.equal(defrag.push(first.frame, first.ip), undefined);
    const whole = defrag.push(middle.frame, middle.ip);
    assert.equal(
      toHexString(whole!),
      '45000026000700004006' + '0000' + '0a0000010a000002' + '0102030405060708' + '1112131415161718' + '2122',
    );
  });

  it('keeps the first copy of overlapping bytes', () => {
    const defrag = new IpDefragmenter();
    const a = fragment('2000', '0102030405060708');
    const again = fragment('2000', 'ffffffffffffffff');
    const last = fragment('0001', '2122');
    assert.equal(defrag.push(a.frame, a.ip), undefined);
    assert.equal(defrag.push(again.frame, again.ip), undefined);
    assert.equal(toHexString(defrag.push(last.frame, last.ip)!.subarray(20)), '01020304050607082122');
  });

  it('drops a datagram whose fragment was cut by the snap length', () => {
    const defrag = new IpDefragmenter();
    const last = fragment('0001', '2122');
    const first = fragment('2000', '0102030405060708');
    assert.equal(defrag.push(last.frame, last.ip), undefined);
    assert.equal(defrag.push(first.frame.subarray(0, 24), first.ip), undefined);
    assert.equal(defrag.push(first.frame, first.ip), undefined, 'the pending datagram was dropped');
  });

  it('drops a datagram reaching past a 16-bit total length (header included)', () => {
    const defrag = new IpDefragmenter();
    const first = fragment('2000', '0102030405060708');
    const tooFar = fragment('3ffd', '0102030405060708'); // 65512 + 8 bytes + 20 header bytes > 65535
    const fits = fragment('3ffc', '0102030405060708'); // 65504 + 8 + 20 = 65532
    assert.equal(defrag.push(first.frame, first.ip), undefined);
    assert.equal(defrag.pendingDatagrams, 1);
    assert.equal(defrag.push(tooFar.frame, tooFar.ip), undefined);
    assert.equal(defrag.pendingDatagrams, 0);
    assert.equal(defrag.push(fits.frame, fits.ip), undefined);
    assert.equal(defrag.pendingDatagrams, 1);
  });

  it('keeps at most maxPending datagrams', () => {
    const defrag = new IpDefragmenter(1);
    const last = fragment('0001', '2122');
    const other = fragment('2000', 'aaaaaaaaaaaaaaaa');
    other.frame[5] = 8; // another identification: a second pending datagram evicts the first
    const otherIp = decodeIpv4(other.frame, 0) as IpHeader;
    const first = fragment('2000', '0102030405060708');
    assert.equal(defrag.push(last.frame, last.ip), undefined);
    assert.equal(defrag.push(other.frame, otherIp), undefined);
    assert.equal(defrag.push(first.frame, first.ip), undefined);
  });
});

const SOURCE6 = '20010db8000000000000000000000001';
const DESTINATION6 = '20010db8000000000000000000000002';
/** A destination options header naming the fragment header next (44), padded with PadN to 8 bytes. */
const DESTINATION_OPTIONS = '2c00 0104 00000000';

interface Ipv6FragmentSpec {
  /** Extension headers placed before the fragment header (hex; the last one's first byte must be 2c). */
  extension?: string;
  /** Type of the first extension header (hex byte; destination options unless told). */
  extensionType?: string;
  /** The fragment header's next header (hex byte). */
  next?: string;
  /** The fragment identification (8 hex digits). */
  id?: string;
}

/**
 * An IPv6 fragment 2001:db8::1 -> 2001:db8::2 written by hand: offset/flags word of the fragment header (offset in
 * bytes, low bit M) and payload as hex.
 */
function fragment6(
  offsetAndFlags: string,
  payload: string,
  spec: Ipv6FragmentSpec = {},
): { frame: Uint8Array; ip: IpHeader } {
  const extension = spec.extension ?? '';
  const payloadLength = (hex(extension).length + 8 + hex(payload).length).toString(16).padStart(4, '0');
  const frame = hex(
    `60000000 ${payloadLength} ${extension ? (spec.extensionType ?? '3c') : '2c'} 40 ${SOURCE6} ${DESTINATION6} ${extension}` +
      `${spec.next ?? '06'} 00 ${offsetAndFlags} ${spec.id ?? '0000abcd'} ${payload}`,
  );
  const ip = decodeIpv6(frame, 0);
  assert.ok(!('error' in ip));
  assert.ok(ip.fragment !== undefined);
  return { frame, ip };
}

/** Every order of the given items. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Pushes fragments in order; every push but the last must return nothing; returns the last push's result. */
function pushAll(defrag: IpDefragmenter, fragments: { frame: Uint8Array; ip: IpHeader }[]): Uint8Array | undefined {
  for (const f of fragments.slice(0, -1)) assert.equal(defrag.push(f.frame, f.ip), undefined);
  const last = fragments.at(-1)!;
  return defrag.push(last.frame, last.ip);
}

describe('IpDefragmenter, IPv6', () => {
  it('rebuilds a datagram from fragments in every order: fragment header removed, next header and length fixed', () => {
    const fragments = [
      fragment6('0001', '0102030405060708'),
      fragment6('0009', '1112131415161718'),
      fragment6('0010', '2122'),
    ];
    for (const order of permutations(fragments)) {
      const defrag = new IpDefragmenter();
      const whole = pushAll(defrag, order);
      assert.equal(
        toHexString(whole!),
        `60000000 0012 06 40 ${SOURCE6} ${DESTINATION6} 0102030405060708 1112131415161718 2122`.replaceAll(' ', ''),
      );
      assert.equal(defrag.pendingDatagrams, 0);
    }
  });

  it('keeps the extension headers before the fragment header, the last one now naming the upper layer', () => {
    const spec = { extension: DESTINATION_OPTIONS };
    const fragments = [
      fragment6('0001', '0102030405060708', spec),
      fragment6('0009', '1112131415161718', spec),
      fragment6('0010', '2122', spec),
    ];
    for (const order of permutations(fragments)) {
      const whole = pushAll(new IpDefragmenter(), order);
      assert.equal(
        toHexString(whole!),
        `60000000 001a 3c 40 ${SOURCE6} ${DESTINATION6} 0600 0104 00000000 0102030405060708 1112131415161718 2122`.replaceAll(
          ' ',
          '',
        ),
      );
      const ip = decodeIpv6(whole!, 0) as IpHeader;
      assert.deepEqual([ip.protocol, ip.payloadOffset, ip.payloadLength, ip.fragment], [6, 48, 18, undefined]);
    }
  });

  it('walks an authentication header (length in 4-byte units) to find the Next Header byte to rewrite', () => {
    // AH (next 3c, payload length 2: (2 + 2) * 4 = 16 bytes), then destination options naming the fragment header.
    const authentication = '3c02 0000 00000001 00000001 00000000';
    const spec = { extension: `${authentication} ${DESTINATION_OPTIONS}`, extensionType: '33' };
    const whole = pushAll(new IpDefragmenter(), [
      fragment6('0008', '2122', spec),
      fragment6('0001', '0102030405060708', spec),
    ]);
    assert.equal(
      toHexString(whole!),
      `60000000 0022 33 40 ${SOURCE6} ${DESTINATION6} ${authentication} 0600 0104 00000000 0102030405060708 2122`.replaceAll(
        ' ',
        '',
      ),
    );
    const ip = decodeIpv6(whole!, 0) as IpHeader;
    assert.deepEqual([ip.protocol, ip.payloadOffset, ip.payloadLength, ip.fragment], [6, 64, 10, undefined]);
  });

  it('takes the upper-layer protocol from the first fragment (later fragments may name another)', () => {
    const whole = pushAll(new IpDefragmenter(), [
      fragment6('0008', '2122', { next: '3b' }),
      fragment6('0001', '0102030405060708'),
    ]);
    assert.equal(
      toHexString(whole!),
      `60000000 000a 06 40 ${SOURCE6} ${DESTINATION6} 0102030405060708 2122`.replaceAll(' ', ''),
    );
  });

  it('keeps the first copy of overlapping bytes, filling only the holes around earlier pieces', () => {
    const whole = pushAll(new IpDefragmenter(), [
      fragment6('0009', '1111111111111111'),
      fragment6('0001', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'),
      fragment6('0001', 'ffffffffffffffffffffffffffffffff'),
      fragment6('0018', '2122'),
    ]);
    assert.equal(
      toHexString(whole!.subarray(40)),
      'eeeeeeeeeeeeeeee' + '1111111111111111' + 'eeeeeeeeeeeeeeee' + '2122',
    );
  });

  it('keeps the first last fragment: bytes past the end it declared are left out', () => {
    const whole = pushAll(new IpDefragmenter(), [
      fragment6('0008', '2122'),
      fragment6('0008', '21222324'),
      fragment6('0001', '0102030405060708'),
    ]);
    assert.equal(toHexString(whole!.subarray(4, 6)), '000a');
    assert.equal(toHexString(whole!.subarray(40)), '01020304050607082122');
  });

  it('drops a datagram whose fragment was cut by the snap length', () => {
    const defrag = new IpDefragmenter();
    const last = fragment6('0008', '2122');
    const first = fragment6('0001', '0102030405060708');
    assert.equal(defrag.push(last.frame, last.ip), undefined);
    assert.equal(defrag.pendingDatagrams, 1);
    assert.equal(defrag.push(first.frame.subarray(0, 48 + 7), first.ip), undefined);
    assert.equal(defrag.pendingDatagrams, 0, 'the pending datagram was dropped');
    assert.equal(defrag.push(first.frame, first.ip), undefined, 'the last fragment is gone with it');
  });

  it('drops a datagram reaching past a 16-bit payload length, counting the extension headers kept', () => {
    // Offset 65520 + 8 bytes ends at 65528: fits alone, not with 8 bytes of destination options before it.
    const defrag = new IpDefragmenter();
    const fits = fragment6('fff1', '0102030405060708');
    assert.equal(defrag.push(fits.frame, fits.ip), undefined);
    assert.equal(defrag.pendingDatagrams, 1);
    const spec = { extension: DESTINATION_OPTIONS, id: '0000abce' };
    const first = fragment6('0001', '0102030405060708', spec);
    const tooFar = fragment6('fff1', '0102030405060708', spec);
    assert.equal(defrag.push(first.frame, first.ip), undefined);
    assert.equal(defrag.pendingDatagrams, 2);
    assert.equal(defrag.push(tooFar.frame, tooFar.ip), undefined);
    assert.equal(defrag.pendingDatagrams, 1, 'the datagram of the fragment past the limit was dropped');
    const beyond = fragment6('fff8', '0102030405060708'); // 65528 + 8 > 65535 even without extensions
    assert.equal(defrag.push(beyond.frame, beyond.ip), undefined);
    assert.equal(defrag.pendingDatagrams, 0);
  });

  it('keeps at most maxPending datagrams, evicting the oldest', () => {
    const defrag = new IpDefragmenter(1);
    const last = fragment6('0008', '2122');
    const other = fragment6('0001', 'aaaaaaaaaaaaaaaa', { id: '0000abce' });
    const first = fragment6('0001', '0102030405060708');
    assert.equal(defrag.push(last.frame, last.ip), undefined);
    assert.equal(defrag.push(other.frame, other.ip), undefined);
    assert.equal(defrag.pendingDatagrams, 1);
    assert.equal(defrag.push(first.frame, first.ip), undefined, 'the first datagram was evicted');
  });

  it('keeps datagrams of other identifications or addresses apart', () => {
    const defrag = new IpDefragmenter();
    const first = fragment6('0001', '0102030405060708');
    const otherId = fragment6('0008', 'ffff', { id: '0000abce' });
    const otherSource = fragment6('0008', 'eeee');
    otherSource.frame[23] = 9; // 2001:db8::9
    const otherSourceIp = decodeIpv6(otherSource.frame, 0) as IpHeader;
    const last = fragment6('0008', '2122');
    assert.equal(defrag.push(first.frame, first.ip), undefined);
    assert.equal(defrag.push(otherId.frame, otherId.ip), undefined);
    assert.equal(defrag.push(otherSource.frame, otherSourceIp), undefined);
    assert.equal(toHexString(defrag.push(last.frame, last.ip)!.subarray(40)), '01020304050607082122');
    assert.equal(defrag.pendingDatagrams, 2);
  });

  it('never sees an atomic fragment (offset 0, M clear): readIpv6 reads it as a whole packet', () => {
    const frame = hex(`60000000 000a 2c 40 ${SOURCE6} ${DESTINATION6} 06 00 0000 0000abcd 0102`);
    const ip = decodeIpv6(frame, 0) as IpHeader;
    assert.deepEqual([ip.protocol, ip.payloadOffset, ip.payloadLength, ip.fragment], [6, 48, 2, undefined]);
  });
});

const CLIENT6 = { ip: '2001:db8::1', port: 40000 };
const SERVER6 = { ip: '2001:db8::2', port: 5050 };
const REQUEST = 'POST /master/mesos.internal.Ping HTTP/1.1\r\nContent-Length: 0\r\n\r\n';
const ETHERTYPE_IPV6_HEX = 0x86dd;
const FLOW6 = '1 [2001:db8::1]:40000>[2001:db8::2]:5050';

/** An Ethernet pcap of IPv6 packets, one millisecond apart. */
function ethernetPcap(packets: Uint8Array[]): Uint8Array {
  return pcapFile({
    linkType: 1,
    records: recordsAt(
      1_700_000_000,
      packets.map((p) => ethernetFrame(ETHERTYPE_IPV6_HEX, p)),
    ),
  });
}

/** The request's one segment (TCP header 20 bytes + 64 payload bytes) and the packets around it. */
function conversation(): { handshake: Uint8Array[]; request: Uint8Array; close: Uint8Array[] } {
  const c = new TcpConversation(CLIENT6, SERVER6);
  const handshake = c.handshake();
  const request = c.send('client', ascii(REQUEST))[0]!;
  return { handshake, request, close: c.close() };
}

describe('TcpReassembler, IPv6 fragments', () => {
  it('rebuilds a TCP segment sent as IPv6 fragments out of order, at every split of the capture', () => {
    const { handshake, request, close } = conversation();
    assert.equal(REQUEST.length, 64);
    const fragments = ipv6Fragments(request, 32, 0x1234);
    assert.equal(fragments.length, 3);
    const capture = ethernetPcap([...handshake, fragments[2]!, fragments[0]!, fragments[1]!, ...close]);
    const expected: ReassemblyLog = {
      streams: { [FLOW6]: REQUEST },
      events: [
        'open #1 [2001:db8::1]:40000>[2001:db8::2]:5050 frame 1',
        'ip-fragment frame=4 source=2001:db8::1 destination=2001:db8::2 id=4660 fragmentOffset=64 moreFragments=false',
        'ip-fragment frame=5 source=2001:db8::1 destination=2001:db8::2 id=4660 fragmentOffset=0 moreFragments=true',
        'ip-fragment frame=6 source=2001:db8::1 destination=2001:db8::2 id=4660 fragmentOffset=32 moreFragments=true',
        'close #1 fin c2s=64 s2c=0 retrans=0',
      ],
    };
    assert.deepEqual(reassemble(capture), expected);
    for (const { label, pieces } of everySplit(capture)) {
      assert.deepEqual(reassembleFed(pieces), expected, label);
    }
  });

  it('rebuilds fragments that carry a destination options header before the fragment header', () => {
    const c = new TcpConversation(CLIENT6, SERVER6);
    const handshake = c.handshake();
    const segment = c.send('client', ascii(REQUEST))[0]!.subarray(40);
    const withOptions = ipv6Packet(
      { source: CLIENT6.ip, destination: SERVER6.ip, extensions: [{ type: 60, body: hex('0104 00000000') }] },
      6,
      segment,
    );
    const fragments = ipv6Fragments(withOptions, 48, 7, 8);
    assert.equal(fragments.length, 2);
    assert.equal(toHexString(fragments[0]!.subarray(6, 7)), '3c');
    assert.equal(toHexString(fragments[0]!.subarray(40, 56)), '2c000104000000000600000100000007');
    const log = reassemble(ethernetPcap([...handshake, fragments[1]!, fragments[0]!, ...c.close()]));
    assert.deepEqual(log, {
      streams: { [FLOW6]: REQUEST },
      events: [
        'open #1 [2001:db8::1]:40000>[2001:db8::2]:5050 frame 1',
        'ip-fragment frame=4 source=2001:db8::1 destination=2001:db8::2 id=7 fragmentOffset=48 moreFragments=false',
        'ip-fragment frame=5 source=2001:db8::1 destination=2001:db8::2 id=7 fragmentOffset=0 moreFragments=true',
        'close #1 fin c2s=64 s2c=0 retrans=0',
      ],
    });
  });

  it('leaves a TCP gap, inventing nothing, when a fragment is never captured', () => {
    const { handshake, request, close } = conversation();
    const fragments = ipv6Fragments(request, 32, 0x1234);
    const log = reassemble(ethernetPcap([...handshake, fragments[0]!, fragments[2]!, ...close]));
    assert.deepEqual(log, {
      streams: { [FLOW6]: '⟨gap 64 missing⟩' },
      events: [
        'open #1 [2001:db8::1]:40000>[2001:db8::2]:5050 frame 1',
        'ip-fragment frame=4 source=2001:db8::1 destination=2001:db8::2 id=4660 fragmentOffset=0 moreFragments=true',
        'ip-fragment frame=5 source=2001:db8::1 destination=2001:db8::2 id=4660 fragmentOffset=64 moreFragments=false',
        'tcp-gap connection=1 direction=client-to-server seq=1001 streamOffset=0 bytes=64 reason=missing',
        'close #1 fin c2s=0 s2c=0 retrans=0',
      ],
    });
  });

  it('leaves a TCP gap when a fragment was cut by the snap length', () => {
    const { handshake, request, close } = conversation();
    const fragments = ipv6Fragments(request, 32, 0x1234);
    const frames = [...handshake, ...fragments, ...close].map((p) => ethernetFrame(ETHERTYPE_IPV6_HEX, p));
    const records = recordsAt(1_700_000_000, frames);
    // The middle fragment (frame 5: 14 + 40 + 8 + 32 bytes) loses its last 14 bytes.
    records[4] = { ...records[4]!, data: records[4]!.data.subarray(0, 80), originalLength: 94 };
    const log = reassemble(pcapFile({ linkType: 1, records }));
    assert.deepEqual(log, {
      streams: { [FLOW6]: '⟨gap 64 missing⟩' },
      events: [
        'open #1 [2001:db8::1]:40000>[2001:db8::2]:5050 frame 1',
        'ip-fragment frame=4 source=2001:db8::1 destination=2001:db8::2 id=4660 fragmentOffset=0 moreFragments=true',
        'ip-fragment frame=5 source=2001:db8::1 destination=2001:db8::2 id=4660 fragmentOffset=32 moreFragments=true',
        'ip-fragment frame=6 source=2001:db8::1 destination=2001:db8::2 id=4660 fragmentOffset=64 moreFragments=false',
        'tcp-gap connection=1 direction=client-to-server seq=1001 streamOffset=0 bytes=64 reason=missing',
        'close #1 fin c2s=0 s2c=0 retrans=0',
      ],
    });
  });

  it('decodes an atomic fragment (offset 0, M clear) as the whole packet it is, with no ip-fragment diagnostic', () => {
    const { handshake, request, close } = conversation();
    const atomic = ipv6Fragments(request, 128, 0x1234);
    assert.equal(atomic.length, 1);
    assert.equal(toHexString(atomic[0]!.subarray(40, 48)), '0600000000001234');
    const log = reassemble(ethernetPcap([...handshake, atomic[0]!, ...close]));
    assert.deepEqual(log, {
      streams: { [FLOW6]: REQUEST },
      events: ['open #1 [2001:db8::1]:40000>[2001:db8::2]:5050 frame 1', 'close #1 fin c2s=64 s2c=0 retrans=0'],
    });
  });
});

/** reassemble() fed in pieces. */
function reassembleFed(pieces: Uint8Array[]): ReassemblyLog {
  const log: ReassemblyLog = { streams: {}, events: [] };
  const reassembler = new TcpReassembler((event) => recordEvent(log, event));
  const reader = new AutoCaptureReader();
  for (const piece of pieces) reader.write(piece, (p) => reassembler.push(p));
  reader.end();
  reassembler.end();
  return log;
}

/** One fragment of the property tests: where it sits, how long, whether more follow, and its first byte value. */
interface FragmentCase {
  offset: number;
  length: number;
  more: boolean;
  seed: number;
}

const fragmentCase = fc
  .record({
    offset: fc.integer({ min: 0, max: 12 }).map((units) => units * 8),
    length: fc.integer({ min: 0, max: 40 }),
    more: fc.boolean(),
    seed: fc.integer({ min: 0, max: 255 }),
  })
  // Offset 0 with M clear is an atomic fragment: a whole packet, never pushed.
  .filter((c) => c.offset !== 0 || c.more);

/** A FragmentCase's payload as hex: bytes seed, seed + 1, ... */
function casePayload(c: FragmentCase): string {
  return Array.from({ length: c.length }, (_, i) => ((c.seed + i) & 0xff).toString(16).padStart(2, '0')).join('');
}

/** The IPv6 fragment of a FragmentCase, with or without destination options before the fragment header. */
function caseFragment6(c: FragmentCase, withOptions: boolean): { frame: Uint8Array; ip: IpHeader } {
  const offsetAndFlags = (c.offset | (c.more ? 1 : 0)).toString(16).padStart(4, '0');
  return fragment6(offsetAndFlags, casePayload(c), withOptions ? { extension: DESTINATION_OPTIONS } : {});
}

/** The IPv4 fragment of a FragmentCase. */
function caseFragment4(c: FragmentCase): { frame: Uint8Array; ip: IpHeader } {
  return fragment(((c.more ? 0x2000 : 0) | (c.offset / 8)).toString(16).padStart(4, '0'), casePayload(c));
}

/**
 * A naive model of one datagram's reassembly, byte by byte: the first copy of a byte wins, the first fragment with M
 * clear fixes the length, and the datagram is whole once offset 0 and every byte up to that length have arrived.
 */
class DatagramModel {
  bytes: (number | undefined)[] = [];
  total = -1;
  sawFirst = false;

  push(c: FragmentCase): number[] | undefined {
    for (let i = 0; i < c.length; i++) this.bytes[c.offset + i] ??= (c.seed + i) & 0xff;
    if (c.offset === 0) this.sawFirst = true;
    if (!c.more && this.total < 0) this.total = c.offset + c.length;
    if (!this.sawFirst || this.total < 0) return undefined;
    const whole = this.bytes.slice(0, this.total);
    if (whole.length < this.total || whole.includes(undefined)) return undefined;
    this.bytes = [];
    this.total = -1;
    this.sawFirst = false;
    return whole as number[];
  }
}

/**
 * Pushes each case's fragment into a defragmenter and the model: the defragmenter returns a packet exactly when the
 * model completes, and `assertWhole` checks it against the model's bytes.
 */
function assertMatchesModel(
  cases: FragmentCase[],
  toFragment: (c: FragmentCase) => { frame: Uint8Array; ip: IpHeader },
  assertWhole: (whole: Uint8Array, expected: number[]) => void,
): void {
  const defrag = new IpDefragmenter();
  const model = new DatagramModel();
  for (const c of cases) {
    const f = toFragment(c);
    const expected = model.push(c);
    const whole = defrag.push(f.frame, f.ip);
    if (expected === undefined) {
      assert.equal(whole, undefined);
    } else {
      assert.ok(whole !== undefined);
      assertWhole(whole, expected);
      assert.equal(defrag.pendingDatagrams, 0);
    }
  }
}

describe('IpDefragmenter, properties', () => {
  it('matches a byte-by-byte first-copy-wins model for any IPv6 fragments in any order', () => {
    fc.assert(
      fc.property(fc.array(fragmentCase, { minLength: 1, maxLength: 12 }), fc.boolean(), (cases, withOptions) => {
        const prefix = withOptions ? 48 : 40;
        assertMatchesModel(
          cases,
          (c) => caseFragment6(c, withOptions),
          (whole, expected) => {
            assert.deepEqual(Array.from(whole.subarray(prefix)), expected);
            assert.equal((whole[4]! << 8) | whole[5]!, prefix - 40 + expected.length, 'payload length');
            assert.equal(whole[withOptions ? 40 : 6], 6, 'next header');
          },
        );
      }),
      { numRuns: 1000, seed: 8200 },
    );
  });

  it('matches the same model for IPv4 fragments, total length and fragment fields fixed', () => {
    fc.assert(
      fc.property(fc.array(fragmentCase, { minLength: 1, maxLength: 12 }), (cases) => {
        assertMatchesModel(cases, caseFragment4, (whole, expected) => {
          assert.deepEqual(Array.from(whole.subarray(20)), expected);
          assert.equal((whole[2]! << 8) | whole[3]!, 20 + expected.length, 'total length');
          assert.equal(toHexString(whole.subarray(6, 8)), '0000', 'fragment fields');
        });
      }),
      { numRuns: 1000, seed: 791 },
    );
  });

  it('rebuilds exactly the packet the writer fragmented, in any order, duplicates included', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.integer({ min: 1, max: 20 }),
        fc.boolean(),
        fc.infiniteStream(fc.nat()),
        (payload, chunkUnits, withOptions, choices) => {
          const packet = ipv6Packet(
            {
              source: '2001:db8::1',
              destination: '2001:db8::2',
              ...(withOptions ? { extensions: [{ type: 60, body: hex('0104 00000000') }] } : {}),
            },
            6,
            payload,
          );
          const fragments = ipv6Fragments(packet, chunkUnits * 8, 99, withOptions ? 8 : 0);
          if (fragments.length === 1) {
            // An atomic fragment is never pushed by the reassembler; readIpv6 reads it as a whole packet.
            assert.equal((decodeIpv6(fragments[0]!, 0) as IpHeader).fragment, undefined);
            return;
          }
          // Shuffle, and send some fragments twice: the copy is identical, so it changes nothing.
          const sent = [...fragments, ...fragments.filter(() => choices.next().value % 3 === 0)];
          for (let i = sent.length - 1; i > 0; i--) {
            const j = choices.next().value % (i + 1);
            [sent[i], sent[j]] = [sent[j]!, sent[i]!];
          }
          const defrag = new IpDefragmenter();
          const results = sent.map((frame) => defrag.push(frame, decodeIpv6(frame, 0) as IpHeader));
          const rebuilt = results.filter((r) => r !== undefined);
          assert.ok(rebuilt.length >= 1);
          assert.equal(toHexString(rebuilt[0]!), toHexString(packet));
        },
      ),
      { numRuns: 300, seed: 4500 },
    );
  });
});
