import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PcapReader } from '../../src/pcap/index.ts';
import { everySplit, hex } from '../helpers/bytes.ts';
import { feed } from './harness.ts';

// Little-endian, microseconds, snaplen 65535, Ethernet; two records.
const LE_MICROS = hex(`
  d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000
  50ef096b 40e20100 04000000 3c000000 | deadbeef
  51ef096b 00000000 03000000 03000000 | 010203
`);

const LE_MICROS_PACKETS = [
  {
    index: 1,
    fileOffset: 24,
    section: 0,
    interface: 0,
    linkType: 1,
    time: '2026-11-27T21:00:00.123456Z',
    capturedLength: 4,
    originalLength: 60,
    data: 'deadbeef',
  },
  {
    index: 2,
    fileOffset: 44,
    section: 0,
    interface: 0,
    linkType: 1,
    time: '2026-11-27T21:00:01.000000Z',
    capturedLength: 3,
    originalLength: 3,
    data: '010203',
  },
];

// Big-endian, nanoseconds, raw IPv4 (228); one record with 999999999 ns.
const BE_NANOS = hex(`
  a1b23c4d 0002 0004 00000000 00000000 00000100 000000e4
  6b09ef50 3b9ac9ff 00000002 00000002 | 4500
`);

describe('PcapReader', () => {
  it('reads little-endian microsecond records at every split', () => {
    for (const { label, pieces } of everySplit(LE_MICROS)) {
      const reader = new PcapReader();
      const { packets, error } = feed(reader, pieces);
      assert.equal(error, undefined, label);
      assert.deepEqual(packets, LE_MICROS_PACKETS, label);
      assert.equal(reader.linkType, 1);
      assert.equal(reader.snapLength, 65535);
      assert.deepEqual(reader.version, [2, 4]);
      assert.equal(reader.offset, LE_MICROS.length);
    }
  });

  it('reads big-endian nanosecond records at every split', () => {
    for (const { label, pieces } of everySplit(BE_NANOS)) {
      const { packets, error } = feed(new PcapReader(), pieces);
      assert.equal(error, undefined, label);
      assert.deepEqual(
        packets,
        [
          {
            index: 1,
            fileOffset: 24,
            section: 0,
            interface: 0,
            linkType: 228,
            time: '2026-11-27T21:00:00.999999999Z',
            capturedLength: 2,
            originalLength: 2,
            data: '4500',
          },
        ],
        label,
      );
    }
  });

  it('reads the Kuznetsov variant (24-byte record headers)', () => {
    const bytes = hex(`
      34cdb2a1 0200 0400 00000000 00000000 ffff0000 01000000
      50ef096b 01000000 01000000 01000000 02000000 0800 00 00 | ff
    `);
    const { packets, error } = feed(new PcapReader(), [bytes]);
    assert.equal(error, undefined);
    assert.equal(packets.length, 1);
    assert.equal(packets[0]!.data, 'ff');
    assert.equal(packets[0]!.time, '2026-11-27T21:00:00.000001Z');
  });

  it('carries a fraction of a second or more into the seconds', () => {
    const bytes = hex(`
      d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000
      50ef096b 40420f00 00000000 00000000
    `);
    const { packets } = feed(new PcapReader(), [bytes]);
    assert.equal(packets[0]!.time, '2026-11-27T21:00:01.000000Z');
  });

  it('rejects an unknown magic at offset 0', () => {
    for (const { pieces } of everySplit(hex('0a0b0c0d 0200 0400 00000000 00000000 ffff0000 01000000'))) {
      const { packets, error } = feed(new PcapReader(), pieces);
      assert.equal(error?.code, 'MW_PCAP_BAD_MAGIC');
      assert.equal(error?.offset, 0);
      assert.equal(packets.length, 0);
    }
  });

  it('rejects a major version other than 2 at offset 4', () => {
    const { error } = feed(new PcapReader(), [hex('d4c3b2a1 0100 0400 00000000 00000000 ffff0000 01000000')]);
    assert.equal(error?.code, 'MW_PCAP_BAD_HEADER');
    assert.equal(error?.offset, 4);
  });

  it('checks maxPacketBytes before buffering the record', () => {
    const bytes = LE_MICROS.subarray(0, 24 + 16); // header of record 1 only: its data never arrives
    const reader = new PcapReader({ maxPacketBytes: 3 });
    const { packets, error } = feed(reader, [bytes]);
    assert.equal(error?.code, 'MW_PCAP_RECORD_TOO_LARGE');
    assert.equal(error?.offset, 24 + 8);
    assert.equal(packets.length, 0);
  });

  it('delivers every complete packet of a truncated file, then MW_PCAP_TRUNCATED at the partial record', () => {
    const cut = LE_MICROS.subarray(0, LE_MICROS.length - 1);
    for (const { label, pieces } of everySplit(cut)) {
      const { packets, error } = feed(new PcapReader(), pieces);
      assert.deepEqual(packets, [LE_MICROS_PACKETS[0]], label);
      assert.equal(error?.code, 'MW_PCAP_TRUNCATED', label);
      assert.equal(error?.offset, 44, label);
    }
  });

  it('reports a truncated global header at offset 0, an empty file too', () => {
    for (const bytes of [new Uint8Array(0), LE_MICROS.subarray(0, 23)]) {
      const { error } = feed(new PcapReader(), [bytes]);
      assert.equal(error?.code, 'MW_PCAP_TRUNCATED');
      assert.equal(error?.offset, 0);
    }
  });

  it('accepts a file that ends exactly after the global header', () => {
    const { packets, error } = feed(new PcapReader(), [LE_MICROS.subarray(0, 24)]);
    assert.equal(error, undefined);
    assert.equal(packets.length, 0);
  });
});
