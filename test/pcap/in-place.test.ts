import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFrameFields, FrameFields } from '../../src/pcap/decode-packet.ts';
import { AutoCaptureReader } from '../../src/pcap/detect.ts';
import {
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_RAW,
  LINKTYPE_RAW_DLT_12,
  LINKTYPE_RAW_DLT_14,
} from '../../src/pcap/link/link-layer.ts';
import { type CapturedPacket, TransientPacket } from '../../src/pcap/packet.ts';
import { readNamedCaptureFixtures } from './harness.ts';

/** Fields holding an offset into the frame: in place they are moved by the frame's start. */
const OFFSET_FIELDS = ['offset', 'payloadOffset', 'tcpOffset', 'tcpPayloadOffset'] as const;

/** Fresh fields with the offsets marked unset (-1), so a layer not reached is told from one at offset 0. */
function freshFields(): FrameFields {
  const fields = new FrameFields();
  for (const key of OFFSET_FIELDS) fields[key] = -1;
  return fields;
}

/** Decodes `frame` alone and again in place inside a larger buffer (junk before and after): the same answer. */
function assertSameInPlace(linkType: number, frame: Uint8Array, label: string): void {
  const alone = freshFields();
  const kind = decodeFrameFields(linkType, frame, alone);
  for (const start of [0, 3, 8]) {
    const buffer = new Uint8Array(start + frame.length + 5).fill(0xaa);
    buffer.set(frame, start);
    const inPlace = freshFields();
    assert.equal(decodeFrameFields(linkType, buffer, inPlace, start, start + frame.length), kind, label);
    for (const key of OFFSET_FIELDS) {
      if (alone[key] !== -1) inPlace[key] -= start;
    }
    assert.deepEqual({ ...inPlace }, { ...alone }, `${label} at ${start}`);
  }
}

/** Every packet of every pcap and pcapng fixture, with its own copy of its bytes. */
function fixturePackets(): { name: string; linkType: number; data: Uint8Array }[] {
  const packets: { name: string; linkType: number; data: Uint8Array }[] = [];
  for (const { name, bytes } of readNamedCaptureFixtures('generated', 'real', 'sessions')) {
    const reader = new AutoCaptureReader();
    try {
      reader.write(bytes, (p) => packets.push({ name, linkType: p.linkType, data: p.data.slice() }));
      reader.end();
    } catch {
      // Fixtures corrupt on purpose: their packets before the damage count.
    }
  }
  return packets;
}

describe('frames decoded in place (decodeFrameFields with start and end)', () => {
  const packets = fixturePackets();

  it('every packet of every fixture, whole and cut at every byte of its headers', () => {
    const linkTypes = new Set(packets.map((p) => p.linkType));
    // Ethernet (with VLAN tags), SLL, SLL2, null (both byte orders), loop, raw IP.
    for (const linkType of [0, 1, 101, 108, 113, 276]) assert.ok(linkTypes.has(linkType), `fixtures have ${linkType}`);
    const cutsPerFixture = new Map<string, number>();
    for (const { name, linkType, data } of packets) {
      assertSameInPlace(linkType, data, `${name} whole`);
      // Cuts through the link, IP and TCP headers and the payload's first bytes, for the first packets of each file.
      const cut = cutsPerFixture.get(name) ?? 0;
      if (cut >= 12) continue;
      cutsPerFixture.set(name, cut + 1);
      for (let length = 0; length < Math.min(data.length, 120); length++) {
        assertSameInPlace(linkType, data.subarray(0, length), `${name} cut at ${length}`);
      }
    }
  });

  it('raw IP under every link type that carries it bare', () => {
    // IPv4 and IPv6 packets with TCP, taken out of Ethernet frames.
    const ipOf = (etherType: number) =>
      packets
        .find((p) => p.linkType === 1 && ((p.data[12]! << 8) | p.data[13]!) === etherType && p.data.length > 60)!
        .data.subarray(14);
    const v4 = ipOf(0x0800);
    const v6 = ipOf(0x86dd);
    for (const linkType of [LINKTYPE_RAW, LINKTYPE_RAW_DLT_12, LINKTYPE_RAW_DLT_14, LINKTYPE_IPV4, LINKTYPE_IPV6]) {
      for (const frame of [v4, v6]) {
        for (let length = 0; length <= frame.length; length++) {
          assertSameInPlace(linkType, frame.subarray(0, length), `link type ${linkType} cut at ${length}`);
        }
      }
    }
    // A link type mesos-wire does not decode says so in place too.
    assertSameInPlace(147, v4, 'unsupported');
  });
});

describe('TransientPacket', () => {
  it('makes its data view only when asked, over the bytes it was filled with', () => {
    const chunk = Uint8Array.from({ length: 64 }, (_, i) => i);
    const packet = new TransientPacket();
    const seen: Uint8Array[] = [];
    for (const [start, length] of [
      [0, 10],
      [17, 30],
      [63, 1],
      [5, 0],
    ] as const) {
      packet.fill(1, 0, 0, 0, 1, packet.timestamp, length, length, chunk, start);
      assert.equal(packet.frame, chunk);
      assert.equal(packet.frameStart, start);
      const data = packet.data;
      assert.deepEqual([...data], [...chunk.subarray(start, start + length)]);
      assert.equal(data.buffer, chunk.buffer);
      assert.equal(packet.data, data, 'the same view on a second read');
      seen.push(data);
    }
    assert.notEqual(seen[0], seen[1]);
  });

  it('a transient reader and one making new packets give the same bytes for every packet', () => {
    for (const { name, bytes } of readNamedCaptureFixtures('generated', 'real', 'sessions')) {
      const fresh: Uint8Array[] = [];
      const transient: Uint8Array[] = [];
      for (const [into, options] of [
        [fresh, {}],
        [transient, { transientPackets: true }],
      ] as const) {
        const reader = new AutoCaptureReader(options);
        // Cut in three: records cut by a chunk's end are read from the reader's carry.
        const cuts = [0, Math.floor(bytes.length / 3), Math.floor((2 * bytes.length) / 3) + 1, bytes.length];
        try {
          for (let i = 0; i + 1 < cuts.length; i++) {
            reader.write(bytes.subarray(cuts[i], cuts[i + 1]), (p: CapturedPacket) => into.push(p.data.slice()));
          }
          reader.end();
        } catch {
          // Corrupt on purpose.
        }
      }
      assert.deepEqual(transient, fresh, name);
    }
  });
});
