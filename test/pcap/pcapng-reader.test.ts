import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PcapngReader } from '../../src/pcap/index.ts';
import { everySplit, hex } from '../helpers/bytes.ts';
import { feed } from './harness.ts';

const SHB_LE = '0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000';
// Ethernet, snaplen 262144, if_tsresol 9 (nanoseconds).
const IDB_LE_NS = '01000000 20000000 0100 0000 00000400 0900 0100 09000000 0000 0000 20000000';
// Interface 0, 1795813200 s + 5 ns, 3 of 5 bytes captured.
const EPB_LE = '06000000 24000000 00000000 9702ec18 0520f53c 03000000 05000000 010203 00 24000000';

const SHB_BE = '0a0d0d0a 0000001c 1a2b3c4d 0001 0000 ffffffffffffffff 0000001c';
// Ethernet, snaplen 65535, no options (microseconds).
const IDB_BE = '00000001 00000014 0001 0000 0000ffff 00000014';
const SPB_BE = '00000003 00000014 00000002 abcd 0000 00000014';

const TWO_SECTIONS = hex(`${SHB_LE} ${IDB_LE_NS} ${EPB_LE} ${SHB_BE} ${IDB_BE} ${SPB_BE}`);

describe('PcapngReader', () => {
  it('reads two sections of opposite byte order at every split', () => {
    for (const { label, pieces } of everySplit(TWO_SECTIONS)) {
      const reader = new PcapngReader();
      const { packets, error } = feed(reader, pieces);
      assert.equal(error, undefined, label);
      assert.deepEqual(
        packets,
        [
          {
            index: 1,
            fileOffset: 60,
            section: 0,
            interface: 0,
            linkType: 1,
            time: '2026-11-27T21:00:00.000000005Z',
            capturedLength: 3,
            originalLength: 5,
            data: '010203',
          },
          {
            index: 2,
            fileOffset: 144,
            section: 1,
            interface: 0,
            linkType: 1,
            time: '', // the SPB records no time: UNKNOWN_TIME
            capturedLength: 2,
            originalLength: 2,
            data: 'abcd',
          },
        ],
        label,
      );
    }
  });

  it('applies a negative if_tsoffset in either byte order', () => {
    // Ethernet, microseconds, if_tsoffset -3600; one empty EPB at 1795813200 s (21:00:00Z) in interface units.
    const le = hex(`${SHB_LE}
      01000000 24000000 0100 0000 00000000 0e00 0800 f0f1ffffffffffff 0000 0000 24000000
      06000000 20000000 00000000 48610600 0074de57 00000000 00000000 20000000`);
    const be = hex(`${SHB_BE}
      00000001 00000024 0001 0000 00000000 000e 0008 fffffffffffff1f0 0000 0000 00000024
      00000006 00000020 00000000 00066148 57de7400 00000000 00000000 00000020`);
    for (const bytes of [le, be]) {
      const { packets, error } = feed(new PcapngReader(), [bytes]);
      assert.equal(error, undefined);
      assert.equal(packets[0]!.time, '2026-11-27T20:00:00.000000Z');
    }
  });

  it('cuts a Simple Packet Block to the snap length of interface 0', () => {
    const idb = '00000001 00000014 0001 0000 00000001 00000014';
    const { packets } = feed(new PcapngReader(), [hex(`${SHB_BE} ${idb} ${SPB_BE}`)]);
    assert.equal(packets[0]!.capturedLength, 1);
    assert.equal(packets[0]!.originalLength, 2);
    assert.equal(packets[0]!.data, 'ab');
  });

  it('reads the obsolete Packet Block (type 2)', () => {
    const idb = '01000000 14000000 0100 0000 ffff0000 14000000';
    const pb = '02000000 24000000 0000 0000 00000000 01000000 02000000 02000000 beef 0000 24000000';
    const { packets, error } = feed(new PcapngReader(), [hex(`${SHB_LE} ${idb} ${pb}`)]);
    assert.equal(error, undefined);
    assert.equal(packets[0]!.time, '1970-01-01T00:00:00.000001Z');
    assert.equal(packets[0]!.data, 'beef');
  });

  it('skips unknown blocks without buffering them and still checks their trailer', () => {
    const unknown = 'cdab0000 10000000 01020304 10000000';
    for (const { label, pieces } of everySplit(hex(`${SHB_LE} ${unknown} ${IDB_LE_NS} ${EPB_LE}`))) {
      const { packets, error } = feed(new PcapngReader(), pieces);
      assert.equal(error, undefined, label);
      assert.equal(packets.length, 1, label);
      assert.equal(packets[0]!.fileOffset, 76);
    }
    const bad = 'cdab0000 10000000 01020304 14000000';
    const { error } = feed(new PcapngReader(), [hex(`${SHB_LE} ${bad}`)]);
    assert.equal(error?.code, 'MW_PCAPNG_BAD_BLOCK');
    assert.equal(error?.offset, 28 + 12);
  });

  it('gives custom blocks a frame number, as Wireshark does', () => {
    const custom = 'ad0b0000 10000000 01020304 10000000';
    const { packets } = feed(new PcapngReader(), [hex(`${SHB_LE} ${IDB_LE_NS} ${custom} ${EPB_LE}`)]);
    assert.equal(packets[0]!.index, 2);
  });

  const errorCases: { name: string; bytes: string; code: string; offset: number; packets?: number }[] = [
    { name: 'first block is not an SHB', bytes: IDB_LE_NS, code: 'MW_PCAPNG_BAD_BLOCK', offset: 0 },
    {
      name: 'bad byte-order magic',
      bytes: '0a0d0d0a 1c000000 44332211 0100 0000 ffffffffffffffff 1c000000',
      code: 'MW_PCAPNG_BAD_BLOCK',
      offset: 8,
    },
    {
      name: 'SHB major version 2',
      bytes: '0a0d0d0a 1c000000 4d3c2b1a 0200 0000 ffffffffffffffff 1c000000',
      code: 'MW_PCAPNG_BAD_BLOCK',
      offset: 12,
    },
    {
      name: 'block length not a multiple of 4',
      bytes: `${SHB_LE} 01000000 15000000`,
      code: 'MW_PCAPNG_BAD_BLOCK',
      offset: 32,
    },
    {
      name: 'block length below the minimum',
      bytes: `${SHB_LE} 06000000 0c000000`,
      code: 'MW_PCAPNG_BAD_BLOCK',
      offset: 32,
    },
    {
      name: 'trailer length differs',
      bytes: `${SHB_LE} ${IDB_LE_NS} ${EPB_LE.replace(/24000000$/, '28000000')}`,
      code: 'MW_PCAPNG_BAD_BLOCK',
      offset: 92,
    },
    {
      name: 'packet on an undescribed interface',
      bytes: `${SHB_LE} ${IDB_LE_NS} ${EPB_LE.replace('24000000 00000000', '24000000 01000000')}`,
      code: 'MW_PCAPNG_UNKNOWN_INTERFACE',
      offset: 68,
    },
    {
      name: 'captured length beyond the block',
      bytes: `${SHB_LE} ${IDB_LE_NS} ${EPB_LE.replace('03000000 05000000', '09000000 09000000')}`,
      code: 'MW_PCAPNG_BAD_BLOCK',
      offset: 80,
    },
    {
      name: 'block larger than the limit, rejected before buffering',
      bytes: `${SHB_LE} ${IDB_LE_NS} 06000000 00001000`,
      code: 'MW_PCAP_RECORD_TOO_LARGE',
      offset: 64,
    },
    {
      name: 'file ends inside a block (complete packets first)',
      bytes: `${SHB_LE} ${IDB_LE_NS} ${EPB_LE} ${EPB_LE.slice(0, 29)}`,
      code: 'MW_PCAP_TRUNCATED',
      offset: 96,
      packets: 1,
    },
    {
      name: 'file ends inside a block header',
      bytes: `${SHB_LE} 0600`,
      code: 'MW_PCAP_TRUNCATED',
      offset: 28,
    },
    { name: 'empty file', bytes: '', code: 'MW_PCAP_TRUNCATED', offset: 0 },
  ];

  for (const c of errorCases) {
    it(`fails with ${c.code} at ${c.offset}: ${c.name}`, () => {
      for (const { label, pieces } of everySplit(hex(c.bytes))) {
        const { packets, error } = feed(new PcapngReader({ maxPacketBytes: 1024 }), pieces);
        assert.equal(error?.code, c.code, label);
        assert.equal(error?.offset, c.offset, label);
        assert.equal(packets.length, c.packets ?? 0, label);
      }
    });
  }

  it('checks maxPacketBytes against the captured length', () => {
    const { error } = feed(new PcapngReader({ maxPacketBytes: 2 }), [hex(`${SHB_LE} ${IDB_LE_NS} ${EPB_LE}`)]);
    assert.equal(error?.code, 'MW_PCAP_RECORD_TOO_LARGE');
    assert.equal(error?.offset, 80);
  });
});
