/**
 * The per-packet fast paths against their slow counterparts: header fields decoded in place vs decodeFrame's objects,
 * 4-tuples keyed by numbers vs by address text, the data sink vs 'data' events, pooled retention rings, and the pcap
 * reader's in-place records vs records cut by chunk ends.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { latin1String } from '../../src/bytes/ascii.ts';
import { decodeFrameFields, FRAME_KIND, FrameFields } from '../../src/pcap/decode-packet.ts';
import { type AddressKey, addressKeyOfText, FlowMap } from '../../src/pcap/flow-key.ts';
import {
  AutoCaptureReader,
  type CapturedPacket,
  type CaptureReader,
  CaptureTimestamp,
  decodeFrame,
  type PacketRef,
  PcapngReader,
  PcapReader,
  TCP_FLAGS,
  type TcpEvent,
  TcpReassembler,
  type TcpReassemblerOptions,
} from '../../src/pcap/index.ts';
import { packetRefOf } from '../../src/pcap/packet.ts';
import { ascii, cat, hex } from '../helpers/bytes.ts';
import { AGENT, CLIENT, FIXTURE_EPOCH } from '../helpers/pcap-fixtures.ts';
import {
  enhancedPacketBlock,
  ethernetFrame,
  interfaceDescriptionBlock,
  pcapFile,
  pcapngBlock,
  pcapngFile,
  recordsAt,
  sectionHeaderBlock,
  TcpConversation,
} from '../helpers/pcap-writer.ts';
import { describePacket, readNamedCaptureFixtures } from './harness.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'pcap');

function fixtureFiles(): string[] {
  const files: string[] = [];
  for (const dir of ['generated', 'real', 'sessions']) {
    for (const name of readdirSync(join(FIXTURES, dir))) {
      if (name.endsWith('.pcap') || name.endsWith('.pcapng')) files.push(join(FIXTURES, dir, name));
    }
  }
  return files;
}

function packetsOf(bytes: Uint8Array): CapturedPacket[] {
  const packets: CapturedPacket[] = [];
  const reader = new AutoCaptureReader();
  reader.write(bytes, (p) => packets.push(p));
  reader.end();
  return packets;
}

/**
 * One line per event, data as latin1 text. The data sink's calls are written as the events they replace; they carry
 * no sequence number, so lines compared with them leave it out (`withSeq` false).
 */
function eventLine(event: TcpEvent, withSeq: boolean): string {
  if (event.kind === 'data') {
    const seq = withSeq ? ` seq=${event.seq}` : '';
    return `data #${event.connection} ${event.direction} ${event.stream} @${event.streamOffset}${seq} frame=${event.packet.index} ${latin1String(event.bytes)}`;
  }
  return JSON.stringify(event);
}

type Feed = 'push' | 'pushSegment';

/**
 * Reassembles packets with `push` (fields decoded in place, IPv4 addresses as numbers) or with decodeFrame +
 * `pushSegment` (header objects, addresses as text), with 'data' events or through the data sink.
 */
function reassembleLines(
  packets: CapturedPacket[],
  feed: Feed,
  sink: boolean,
  options: TcpReassemblerOptions = {},
  withSeq = !sink,
): string[] {
  const lines: string[] = [];
  const onEvent = (event: TcpEvent) => lines.push(eventLine(event, withSeq));
  const reassembler = sink
    ? new TcpReassembler(onEvent, options, (stream, streamOffset, bytes, packet) =>
        onEvent({
          kind: 'data',
          flow: stream.flow,
          connection: stream.connection,
          direction: stream.direction,
          stream: stream.stream,
          streamOffset,
          seq: -1,
          bytes,
          packet,
        }),
      )
    : new TcpReassembler(onEvent, options);
  for (const packet of packets) {
    const decoded = feed === 'pushSegment' ? decodeFrame(packet.linkType, packet.data) : undefined;
    if (decoded?.kind === 'tcp') {
      // push counts packets; pushSegment (a segment decoded elsewhere) does not.
      reassembler.stats.packets++;
      reassembler.pushSegment(decoded.ip, decoded.tcp, decoded.payload, decoded.missingBytes, packet);
    } else {
      reassembler.push(packet);
    }
  }
  reassembler.end();
  lines.push(JSON.stringify(reassembler.stats));
  return lines;
}

/** A capture of several connections between the same hosts (one port reused), out of order and retransmitted. */
function busyCapture(): Uint8Array {
  const frames: Uint8Array[] = [];
  const conversations = [40000, 40001, 40002, 40000].map((port, i) => {
    const c = new TcpConversation({ ip: CLIENT.ip, port }, AGENT, 1000 + i * 7919, 5000 + i * 104729);
    return c;
  });
  for (const [i, c] of conversations.entries()) {
    frames.push(...c.handshake());
    const body = ascii(`POST /agent(${i})/mesos.internal.Ping HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello`);
    const [first, second] = c.send('client', body.subarray(0, 30), body.subarray(30));
    const retransmitted = c.segmentAt('client', 1000 + i * 7919 + 1, body.subarray(0, 10));
    frames.push(second!, first!, retransmitted);
    frames.push(...c.send('server', ascii('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n')));
    if (i < 3) frames.push(...c.close());
  }
  return pcapFile({
    linkType: 1,
    records: recordsAt(
      FIXTURE_EPOCH,
      frames.map((f) => ethernetFrame(0x0800, f)),
    ),
  });
}

describe('fast paths against slow paths', () => {
  it('decodeFrameFields reads what decodeFrame reports, for every packet of every fixture', () => {
    const fields = new FrameFields();
    let tcp = 0;
    for (const file of fixtureFiles()) {
      for (const packet of packetsOf(new Uint8Array(readFileSync(file)))) {
        const kind = decodeFrameFields(packet.linkType, packet.data, fields);
        const decoded = decodeFrame(packet.linkType, packet.data);
        if (decoded.kind === 'tcp') {
          tcp++;
          assert.equal(kind, FRAME_KIND.TCP);
          const text = (a: AddressKey) =>
            typeof a === 'number' ? [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.') : a;
          assert.equal(text(fields.sourceAddress), decoded.ip.source);
          assert.equal(text(fields.destinationAddress), decoded.ip.destination);
          assert.equal(typeof fields.sourceAddress, decoded.ip.version === 4 ? 'number' : 'string');
          assert.deepEqual(
            [fields.sourcePort, fields.destinationPort, fields.seq, fields.ack, fields.flags],
            [decoded.tcp.sourcePort, decoded.tcp.destinationPort, decoded.tcp.seq, decoded.tcp.ack, decoded.tcp.flags],
          );
          assert.equal(
            fields.tcpPayloadOffset + fields.capturedPayloadLength,
            decoded.payload.byteOffset - packet.data.byteOffset + decoded.payload.length,
          );
          assert.equal(fields.tcpPayloadLength - fields.capturedPayloadLength, decoded.missingBytes);
        } else {
          assert.notEqual(kind, FRAME_KIND.TCP, file);
        }
      }
    }
    assert.ok(tcp > 100, `only ${tcp} TCP packets in the fixtures`);
  });

  it('push and pushSegment, with events or the data sink, report the same events for every fixture', () => {
    for (const file of fixtureFiles()) {
      const packets = packetsOf(new Uint8Array(readFileSync(file)));
      assert.deepEqual(reassembleLines(packets, 'push', false), reassembleLines(packets, 'pushSegment', false), file);
      const expected = reassembleLines(packets, 'pushSegment', false, {}, false);
      assert.deepEqual(reassembleLines(packets, 'push', true), expected, file);
      // A small retention window: the rings stay at their smallest size and wrap.
      const small = { retainBytes: 16 };
      assert.deepEqual(
        reassembleLines(packets, 'push', true, small),
        reassembleLines(packets, 'pushSegment', false, small, false),
        file,
      );
    }
  });

  it('a busy capture (port reuse, reordering, retransmission) is the same through push and pushSegment', () => {
    const packets = packetsOf(busyCapture());
    const lines = reassembleLines(packets, 'push', false);
    assert.deepEqual(lines, reassembleLines(packets, 'pushSegment', false));
    assert.deepEqual(reassembleLines(packets, 'push', true), reassembleLines(packets, 'pushSegment', false, {}, false));
    assert.equal(lines.filter((l) => l.includes('"kind":"open"')).length, 4);
    assert.ok(lines.some((l) => l.includes('"reason":"reused"') || l.includes('"reason":"fin"')));
  });

  it('maxConnections eviction and tombstones keep their order through the flow map', () => {
    const packets = packetsOf(busyCapture());
    for (const maxConnections of [1, 2, 3]) {
      const options = { maxConnections };
      assert.deepEqual(
        reassembleLines(packets, 'push', true, options),
        reassembleLines(packets, 'pushSegment', false, options, false),
      );
    }
  });
});

describe('addressKeyOfText', () => {
  it('canonical dotted quads become the number an IPv4 header yields; other text stays text', () => {
    assert.equal(addressKeyOfText('10.0.0.1'), 0x0a000001);
    assert.equal(addressKeyOfText('255.255.255.255'), 0xffffffff);
    assert.equal(addressKeyOfText('0.0.0.0'), 0);
    for (const text of [
      '010.0.0.1',
      '256.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '::1',
      '::ffff:1.2.3.4',
      'a.b.c.d',
      '1.2.3.4 ',
    ]) {
      assert.equal(addressKeyOfText(text), text);
    }
  });
});

describe('FlowMap', () => {
  // "Aa" and "BB" have the same string hash, so these addresses collide and exercise the chains.
  const address = fc.constantFrom<AddressKey>('Aa', 'BB', 'AaAa', 'BBBB', 'AaBB', 0x0a000001, 0x0a000002, 0xc0a80001);
  const port = fc.constantFrom(1, 2, 5050);
  const tuple = fc.tuple(address, port, address, port);
  const op = fc.oneof(
    fc.record({ op: fc.constant('set' as const), tuple, value: fc.integer() }),
    fc.record({ op: fc.constant('delete' as const), tuple }),
    fc.record({ op: fc.constant('deleteOldest' as const) }),
  );

  it('behaves like a Map keyed by the tuple text (insertion order, set in place, oldest)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const map = new FlowMap<number>();
        const model = new Map<string, number>();
        const key = (t: [AddressKey, number, AddressKey, number]) => JSON.stringify(t);
        for (const o of ops) {
          if (o.op === 'set') {
            map.set(...o.tuple, o.value);
            model.set(key(o.tuple), o.value);
          } else if (o.op === 'delete') {
            assert.equal(map.delete(...o.tuple), model.delete(key(o.tuple)));
          } else {
            map.deleteOldest();
            const oldest = model.keys().next();
            if (!oldest.done) model.delete(oldest.value);
          }
          assert.equal(map.size, model.size);
          assert.deepEqual([...map.values()], [...model.values()]);
          assert.equal(map.oldest(), model.values().next().value);
        }
        for (const [k, v] of model) {
          const [a, b, c, d] = JSON.parse(k) as [AddressKey, number, AddressKey, number];
          assert.equal(map.get(a, b, c, d), v);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('retention rings', () => {
  it('pooled rings hold stale bytes of closed streams: identical retransmissions pass, changed bytes are found', () => {
    const events: string[] = [];
    const r = new TcpReassembler(
      (e) => {
        if (e.kind === 'diagnostic') events.push(`${e.diagnostic.kind} ${JSON.stringify(e.diagnostic)}`);
      },
      { retainBytes: 32 * 1024 },
    );
    let frame = 0;
    const send = (port: number, seq: number, flags: number, payload: Uint8Array) =>
      r.pushSegment(
        { source: '10.0.0.1', destination: '10.0.0.2' },
        { sourcePort: port, destinationPort: 5050, seq, ack: 0, flags },
        payload,
        0,
        { index: ++frame, timestamp: new CaptureTimestamp(0, 0, 0) },
      );
    const block = (byte: number) => new Uint8Array(1000).fill(byte);
    // Several connections each grow their ring through every size (4 KiB to 32 KiB) and close: the pools fill.
    for (let c = 0; c < 4; c++) {
      send(40000 + c, 0, TCP_FLAGS.SYN, new Uint8Array(0));
      for (let i = 0; i < 40; i++) send(40000 + c, 1 + i * 1000, TCP_FLAGS.ACK, block(0x41 + c));
      send(40000 + c, 1 + 40_000, TCP_FLAGS.RST, new Uint8Array(0));
    }
    assert.equal(events.length, 0, events.join('\n'));
    // A new connection takes pooled rings (full of 'A'..'D') as it grows; it sends 'z' and retransmits parts of it.
    send(41000, 0, TCP_FLAGS.SYN, new Uint8Array(0));
    for (let i = 0; i < 20; i++) send(41000, 1 + i * 1000, TCP_FLAGS.ACK, block(0x7a));
    send(41000, 1 + 2500, TCP_FLAGS.ACK, block(0x7a)); // identical: after two growths, before the wrap
    send(41000, 1 + 18_000, TCP_FLAGS.ACK, block(0x7a)); // identical, the last bytes delivered
    assert.equal(events.length, 0, events.join('\n'));
    const changed = block(0x7a);
    changed[10] = 0x41;
    changed[990] = 0x42;
    send(41000, 1 + 5000, TCP_FLAGS.ACK, changed);
    assert.equal(events.length, 1);
    const conflict = JSON.parse(events[0]!.slice(events[0]!.indexOf(' ') + 1));
    assert.equal(conflict.kind, 'tcp-retransmission-conflict');
    assert.equal(conflict.streamOffset, 5010);
    assert.equal(conflict.bytes, 981);
    assert.equal(conflict.frame, frame);
  });
});

describe('PcapReader in place and across chunks', () => {
  const file = cat(
    hex('d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000'),
    ...[1, 2, 3, 4].map((n) => cat(hex(`0${n}000000 00000000 0${n}000000 0${n}000000`), new Uint8Array(n).fill(n))),
  );

  it('a handler that throws leaves the rest of the chunk for the next write, in order', () => {
    for (let cut = 0; cut <= file.length; cut++) {
      const reader = new PcapReader();
      const seen: string[] = [];
      let thrown = 0;
      const onPacket = (p: CapturedPacket) => {
        seen.push(describePacket(p).data);
        if (p.index === 2 && thrown === 0) {
          thrown++;
          throw new Error('handler');
        }
      };
      const pieces = [file.subarray(0, cut), file.subarray(cut)];
      for (const piece of pieces) {
        try {
          reader.write(piece, onPacket);
        } catch (error) {
          assert.equal((error as Error).message, 'handler');
        }
      }
      if (seen.length < 4) reader.write(new Uint8Array(0), onPacket);
      reader.end();
      assert.deepEqual(seen, ['01', '0202', '030303', '04040404'], `cut ${cut}`);
      assert.equal(reader.offset, file.length);
      assert.equal(thrown, 1);
    }
  });

  it('a record longer than many chunks is copied once and delivered whole', () => {
    const big = cat(
      hex('d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000'),
      hex('01000000 00000000 10270000 10270000'),
      new Uint8Array(10_000).map((_, i) => i & 0xff),
      hex('02000000 00000000 01000000 01000000 | 07'),
    );
    for (const size of [1, 7, 16, 100, 4096]) {
      const reader = new PcapReader();
      const lengths: number[] = [];
      for (let at = 0; at < big.length; at += size) {
        reader.write(big.slice(at, at + size), (p) => {
          lengths.push(p.data.length);
          if (p.index === 1) assert.equal(p.data[9999], 9999 & 0xff);
        });
      }
      reader.end();
      assert.deepEqual(lengths, [10_000, 1], `chunks of ${size}`);
    }
  });
});

describe('transientPackets (one packet object handed out again and again)', () => {
  const FIXTURES = readNamedCaptureFixtures('generated', 'real', 'sessions');

  it('every packet reads as without it, at every cut of every pcap and pcapng fixture', () => {
    assert.ok(FIXTURES.filter((f) => f.name.endsWith('.pcapng')).length >= 2);
    for (const { name, bytes } of FIXTURES) {
      const expected = feedPcap([bytes], false);
      for (const cut of [0, 1, 23, 24, 25, 39, 40, 41, 100, bytes.length >> 1, bytes.length - 1]) {
        if (cut > bytes.length) continue;
        const pieces = [bytes.slice(0, cut), bytes.slice(cut)];
        assert.deepEqual(feedPcap(pieces, true), expected, `${name} cut ${cut}`);
      }
    }
  });

  for (const fixture of ['reorder.pcap', 'lo-dumpcap.pcapng', 'two-sections.pcapng'])
    it(`hands out one object; each packet has its own ref (index and time), which packetRefOf returns: ${fixture}`, () => {
      const { bytes } = FIXTURES.find((f) => f.name === fixture)!;
      const reader = new AutoCaptureReader({ transientPackets: true });
      const objects = new Set<CapturedPacket>();
      const refs: PacketRef[] = [];
      const times: string[] = [];
      const indexes: number[] = [];
      reader.write(bytes, (p) => {
        indexes.push(p.index);
        objects.add(p);
        assert.equal(packetRefOf(p), p.ref);
        assert.equal(p.ref!.index, p.index);
        assert.equal(p.ref!.timestamp, p.timestamp);
        refs.push(packetRefOf(p));
        times.push(p.timestamp.toISOString());
      });
      reader.end();
      assert.equal(objects.size, 1);
      assert.equal(new Set(refs).size, refs.length);
      assert.deepEqual(
        refs.map((r) => r.index),
        indexes,
      );
      assert.deepEqual(
        refs.map((r) => r.timestamp.toISOString()),
        times,
      );
      // Without the option: a new object per packet, and packetRefOf makes a ref of its own.
      const plain: CapturedPacket[] = [];
      new AutoCaptureReader().write(bytes, (p) => {
        plain.push(p);
        assert.equal(p.ref, undefined);
        assert.deepEqual(packetRefOf(p), { index: p.index, timestamp: p.timestamp });
      });
      assert.equal(new Set(plain).size, plain.length);
    });
});

/** Packets described inside the callback (the only time a transient packet may be read), and the error if any. */
function feedPcap(pieces: Uint8Array[], transientPackets: boolean) {
  const reader = new AutoCaptureReader({ transientPackets });
  const packets: ReturnType<typeof describePacket>[] = [];
  let error: string | undefined;
  try {
    for (const piece of pieces) reader.write(piece, (p) => packets.push(describePacket(p)));
    reader.end();
  } catch (e) {
    error = String(e);
  }
  return { packets, error };
}

describe('PcapngReader in place and across chunks', () => {
  const packet = (n: number, length: number) =>
    enhancedPacketBlock('le', { interfaceId: 0, units: BigInt(n), data: new Uint8Array(length).fill(n) });
  const file = pcapngFile([
    sectionHeaderBlock('le'),
    interfaceDescriptionBlock('le', { linkType: 1, snapLength: 0 }),
    packet(1, 1),
    pcapngBlock(0x00000bad, new Uint8Array(9), 'le'),
    packet(3, 3),
    packet(4, 700),
    packet(5, 4),
  ]);
  const expected = ['01', '030303', `${'04'.repeat(700)}`, '05050505'];

  function readAll(reader: CaptureReader, pieces: Uint8Array[], throwOn: number): string[] {
    const seen: string[] = [];
    let thrown = false;
    const onPacket = (p: CapturedPacket) => {
      seen.push(describePacket(p).data);
      if (p.index === throwOn && !thrown) {
        thrown = true;
        throw new Error('handler');
      }
    };
    for (const piece of pieces) {
      try {
        reader.write(piece, onPacket);
      } catch (error) {
        assert.equal((error as Error).message, 'handler');
      }
    }
    if (seen.length < expected.length) reader.write(new Uint8Array(0), onPacket);
    reader.end();
    assert.equal(reader.offset, file.length);
    return seen;
  }

  it('a handler that throws leaves the rest for the next write, at every cut', () => {
    for (let cut = 0; cut <= file.length; cut += 5) {
      const pieces = [file.subarray(0, cut), file.subarray(cut)];
      assert.deepEqual(readAll(new PcapngReader(), pieces, 3), expected, `cut ${cut}`);
    }
  });

  it('blocks longer than the chunks, and skipped blocks, read the same at every chunk size', () => {
    for (const size of [1, 3, 8, 13, 100, 4096]) {
      const pieces: Uint8Array[] = [];
      for (let at = 0; at < file.length; at += size) pieces.push(file.slice(at, at + size));
      assert.deepEqual(readAll(new PcapngReader(), pieces, -1), expected, `chunks of ${size}`);
    }
  });
});
