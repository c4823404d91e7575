import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { latin1String } from '../../src/bytes/ascii.ts';
import { AutoCaptureReader } from '../../src/pcap/index.ts';
import { ACCEPTED, EXAMPLE_B, EXAMPLE_C, GENERATED_PCAP_FIXTURES } from '../helpers/pcap-fixtures.ts';
import { describePacket, reassemble } from './harness.ts';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'pcap', 'generated');
const read = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));

const B = latin1String(EXAMPLE_B);
const C = latin1String(EXAMPLE_C);
const D = latin1String(ACCEPTED);
const V4 = '10.0.0.1:40000>10.0.0.2:5051';
const V4_BACK = '10.0.0.2:5051>10.0.0.1:40000';
const LO6 = '[::1]:40000>[::1]:5051';
const LO6_BACK = '[::1]:5051>[::1]:40000';

/** The plain exchange most link-type fixtures carry: Example C, one 202, FIN both ways. */
const SIMPLE_V4 = {
  streams: { [`1 ${V4}`]: C, [`1 ${V4_BACK}`]: D },
  events: [`open #1 ${V4} frame 1`, 'close #1 fin c2s=201 s2c=81 retrans=0'],
};
const SIMPLE_LO6 = {
  streams: { [`1 ${LO6}`]: C, [`1 ${LO6_BACK}`]: D },
  events: [`open #1 ${LO6} frame 1`, 'close #1 fin c2s=201 s2c=81 retrans=0'],
};

const EXPECTED: Record<string, { streams: Record<string, string>; events: string[] }> = {
  'reorder.pcap': {
    streams: { [`1 ${V4}`]: B, [`1 ${V4_BACK}`]: D },
    events: [`open #1 ${V4} frame 1`, 'close #1 fin c2s=250 s2c=81 retrans=0'],
  },
  'duplicate.pcap': {
    streams: { [`1 ${V4}`]: B, [`1 ${V4_BACK}`]: D },
    events: [`open #1 ${V4} frame 1`, 'close #1 fin c2s=250 s2c=81 retrans=2'],
  },
  'retransmission-conflict.pcap': {
    // First copy wins: the stream is Example B unchanged.
    streams: { [`1 ${V4}`]: B, [`1 ${V4_BACK}`]: D },
    events: [
      `open #1 ${V4} frame 1`,
      'tcp-retransmission-conflict connection=1 direction=client-to-server seq=1111 streamOffset=110 bytes=4 frame=6',
      'close #1 fin c2s=250 s2c=81 retrans=1',
    ],
  },
  'gap.pcap': {
    streams: {
      [`1 ${V4}`]: `${B.slice(0, 100)}⟨gap 100 missing⟩${B.slice(200)}${C}`,
      [`1 ${V4_BACK}`]: D + D,
    },
    events: [
      `open #1 ${V4} frame 1`,
      'tcp-gap connection=1 direction=client-to-server seq=1101 streamOffset=100 bytes=100 reason=missing frame=5',
      'close #1 fin c2s=351 s2c=162 retrans=0',
    ],
  },
  'snaplen-100.pcap': {
    // 100-byte frames keep 46 payload bytes after Ethernet (14), IPv4 (20) and TCP (20).
    streams: {
      [`1 ${V4}`]: `${B.slice(0, 46)}⟨gap 204 snaplen⟩${C.slice(0, 46)}⟨gap 155 snaplen⟩`,
      [`1 ${V4_BACK}`]: `${D.slice(0, 46)}⟨gap 35 snaplen⟩`,
    },
    events: [
      `open #1 ${V4} frame 1`,
      'tcp-gap connection=1 direction=client-to-server seq=1047 streamOffset=46 bytes=204 reason=snaplen frame=4',
      'tcp-gap connection=1 direction=client-to-server seq=1297 streamOffset=296 bytes=155 reason=snaplen frame=5',
      'tcp-gap connection=1 direction=server-to-client seq=5047 streamOffset=46 bytes=35 reason=snaplen frame=6',
      'close #1 fin c2s=92 s2c=46 retrans=0',
    ],
  },
  'midstream.pcap': {
    streams: { [`1 ${V4}`]: B.slice(100) + C, [`1 ${V4_BACK}`]: D + D },
    events: [
      `open #1 ${V4} midstream frame 1`,
      'tcp-midstream-start connection=1 direction=client-to-server seq=1101 streamOffset=0 frame=1',
      'tcp-midstream-start connection=1 direction=server-to-client seq=5001 streamOffset=0 frame=4',
      'close #1 fin c2s=351 s2c=162 retrans=0',
    ],
  },
  'vlan.pcap': SIMPLE_V4,
  'ipv6-extension-headers.pcap': {
    streams: { '1 [fd00::1]:40000>[fd00::2]:5051': B, '1 [fd00::2]:5051>[fd00::1]:40000': D },
    events: ['open #1 [fd00::1]:40000>[fd00::2]:5051 frame 1', 'close #1 fin c2s=250 s2c=81 retrans=0'],
  },
  'ipv4-options.pcap': SIMPLE_V4,
  'ip-fragments.pcap': {
    streams: { [`1 ${V4}`]: C + B, [`1 ${V4_BACK}`]: D + D },
    events: [
      `open #1 ${V4} frame 1`,
      'ip-fragment frame=4 source=10.0.0.1 destination=10.0.0.2 id=77 fragmentOffset=104 moreFragments=false',
      'ip-fragment frame=5 source=10.0.0.1 destination=10.0.0.2 id=77 fragmentOffset=0 moreFragments=true',
      'close #1 fin c2s=451 s2c=162 retrans=0',
    ],
  },
  'ip-fragment-lost.pcap': {
    streams: { [`1 ${V4_BACK}`]: D + D, [`1 ${V4}`]: `⟨gap 201 missing⟩${B}` },
    events: [
      `open #1 ${V4} frame 1`,
      'ip-fragment frame=4 source=10.0.0.1 destination=10.0.0.2 id=78 fragmentOffset=0 moreFragments=true',
      'tcp-gap connection=1 direction=client-to-server seq=1001 streamOffset=0 bytes=201 reason=missing frame=5',
      'close #1 fin c2s=250 s2c=162 retrans=0',
    ],
  },
  'sll.pcap': SIMPLE_V4,
  'sll2.pcap': SIMPLE_LO6,
  'null-le.pcap': SIMPLE_V4,
  'null-be-ipv6.pcap': SIMPLE_LO6,
  'loop.pcap': SIMPLE_LO6,
  'raw-ipv4.pcap': SIMPLE_V4,
  'raw.pcap': SIMPLE_LO6,
  'big-endian.pcap': SIMPLE_V4,
  'nanosecond.pcap': SIMPLE_V4,
  'nanosecond-be.pcap': SIMPLE_V4,
  'two-sections.pcapng': SIMPLE_V4,
  'seq-wraparound.pcap': {
    streams: { [`1 ${V4}`]: B + C, [`1 ${V4_BACK}`]: D + D },
    events: [`open #1 ${V4} frame 1`, 'close #1 fin c2s=451 s2c=162 retrans=0'],
  },
  'port-reuse.pcap': {
    streams: { [`1 ${V4}`]: C, [`1 ${V4_BACK}`]: D, [`2 ${V4}`]: B, [`3 ${V4}`]: C, [`4 ${V4}`]: C },
    events: [
      `open #1 ${V4} frame 1`,
      'close #1 fin c2s=201 s2c=81 retrans=0',
      `open #2 ${V4} frame 9`,
      'close #2 rst c2s=250 s2c=0 retrans=0',
      `open #3 ${V4} frame 14`,
      'close #3 reused c2s=201 s2c=0 retrans=0',
      `open #4 ${V4} frame 18`,
      'close #4 fin c2s=201 s2c=0 retrans=0',
    ],
  },
};

describe('generated capture fixtures', () => {
  it('are committed exactly as scripts/make-pcap-fixtures.ts writes them', () => {
    for (const fixture of GENERATED_PCAP_FIXTURES) {
      assert.deepEqual(read(fixture.name), fixture.bytes(), `${fixture.name}: run node scripts/make-pcap-fixtures.ts`);
    }
    assert.deepEqual(Object.keys(EXPECTED).sort(), GENERATED_PCAP_FIXTURES.map((f) => f.name).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: reassembled streams and diagnostics`, () => {
      const log = reassemble(read(name));
      assert.deepEqual(log.events, expected.events);
      assert.deepEqual(log.streams, expected.streams);
    });
  }

  it('two-sections.pcapng: packets as tshark numbers and times them', () => {
    const packets: ReturnType<typeof describePacket>[] = [];
    const reader = new AutoCaptureReader();
    reader.write(read('two-sections.pcapng'), (p) => packets.push(describePacket(p)));
    reader.end();
    // tshark -r two-sections.pcapng -T fields -e frame.number -e frame.time_epoch -e frame.len:
    // 1 1795813200.000001000 54 | 2 1795813200.002000003 40 | 3 (custom block) 16 | 4 1795813200.003000000 54 |
    // 5 1795816800.500000000 255 | 6 (SPB, no time) 135 | 7 1795816800.000000953 54 | 8 1795816801.000000000 54 |
    // 9 1795816801.000002861 54. File offsets: SHB with a 20-byte option = 56, IDB 20, IDB with if_tsresol 32,
    // EPB 88 each (54 bytes padded to 56), custom 32, unknown 32, NRB 16, BE SHB 28, IDB 44, SPB 152.
    assert.deepEqual(
      packets.map((p) => [p.index, p.fileOffset, p.section, p.interface, p.linkType, p.time, p.originalLength]),
      [
        [1, 108, 0, 0, 1, '2026-11-27T21:00:00.000001Z', 54],
        [2, 196, 0, 1, 228, '2026-11-27T21:00:00.002000003Z', 40],
        [4, 364, 0, 0, 1, '2026-11-27T21:00:00.003000Z', 54],
        [5, 524, 1, 0, 1, '2026-11-27T22:00:00.500000000Z', 255],
        [6, 812, 1, 0, 1, '', 135],
        [7, 964, 1, 0, 1, '2026-11-27T22:00:00.000000953Z', 54],
        [8, 1052, 1, 0, 1, '2026-11-27T22:00:01.000000000Z', 54],
        [9, 1140, 1, 0, 1, '2026-11-27T22:00:01.000002861Z', 54],
      ],
    );
  });

  it('small fixtures give the same packets split at every byte and cut in chunks of 1..16 bytes', () => {
    for (const name of ['null-le.pcap', 'two-sections.pcapng']) {
      const bytes = read(name);
      const readPieces = (pieces: Uint8Array[]) => {
        const packets: ReturnType<typeof describePacket>[] = [];
        const reader = new AutoCaptureReader();
        for (const piece of pieces) reader.write(piece, (p) => packets.push(describePacket(p)));
        reader.end();
        return packets;
      };
      const whole = readPieces([bytes]);
      for (let at = 1; at < bytes.length; at++) {
        assert.deepEqual(readPieces([bytes.slice(0, at), bytes.slice(at)]), whole, `${name} split@${at}`);
      }
      for (let size = 1; size <= 16; size++) {
        const pieces: Uint8Array[] = [];
        for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.slice(at, at + size));
        assert.deepEqual(readPieces(pieces), whole, `${name} chunks of ${size}`);
      }
    }
  });

  it('big-endian and nanosecond pcaps keep every fraction digit', () => {
    const times = (name: string) => {
      const out: string[] = [];
      const reader = new AutoCaptureReader();
      reader.write(read(name), (p) => out.push(p.timestamp.toISOString()));
      reader.end();
      return out.slice(0, 2);
    };
    assert.deepEqual(times('big-endian.pcap'), ['2026-11-27T21:00:00.123456Z', '2026-11-27T21:00:01.123457Z']);
    assert.deepEqual(times('nanosecond.pcap'), ['2026-11-27T21:00:00.123456789Z', '2026-11-27T21:00:01.123456790Z']);
    assert.deepEqual(times('nanosecond-be.pcap'), times('nanosecond.pcap'));
  });
});
