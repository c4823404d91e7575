/**
 * Which frames a message is credited to when it spans many packets: the per-direction packet list reuses its slots,
 * reclaims forgotten ones in bulk and is capped; these cases cross each of those points.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AutoCaptureReader } from '../../src/pcap/index.ts';
import { CaptureDecoder } from '../../src/pipeline/decode-capture.ts';
import { ascii, cat, chunksOf } from '../helpers/bytes.ts';
import { AGENT, CLIENT, FIXTURE_EPOCH } from '../helpers/pcap-fixtures.ts';
import { ethernetFrame, pcapFile, recordsAt, TcpConversation } from '../helpers/pcap-writer.ts';

/** A POST whose body is `bodyBytes` long, cut into segments of `segmentBytes` after a segment with the head. */
function post(path: string, bodyBytes: number): { head: Uint8Array; body: Uint8Array } {
  return {
    head: ascii(`POST ${path} HTTP/1.1\r\nContent-Length: ${bodyBytes}\r\n\r\n`),
    body: new Uint8Array(bodyBytes).fill(0x61),
  };
}

const ACCEPTED = ascii('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');

/** Frames: 1-3 handshake, then the segments in the order given; returns the lines of the decoded messages. */
function decode(segments: ['client' | 'server', Uint8Array][], streamBodies: boolean): string[] {
  const c = new TcpConversation(CLIENT, AGENT);
  const frames = [...c.handshake(), ...segments.flatMap(([from, bytes]) => c.send(from, bytes))];
  const file = pcapFile({
    linkType: 1,
    records: recordsAt(
      FIXTURE_EPOCH,
      frames.map((f) => ethernetFrame(0x0800, f)),
    ),
  });
  const lines: string[] = [];
  const decoder = new CaptureDecoder(
    (e) => {
      if (e.kind === 'http-message') {
        const m = e.message;
        const what = m.kind === 'request' ? m.target : String(m.status);
        lines.push(`${e.direction} ${what} frames ${e.packet.index}-${e.endPacket.index}`);
      } else if (e.kind === 'http-head') {
        lines.push(`head frame ${e.packet.index}`);
      } else if (e.kind === 'diagnostic') {
        lines.push(e.diagnostic.kind);
      }
    },
    { streamBodies },
  );
  const reader = new AutoCaptureReader();
  reader.write(file, (p) => decoder.push(p));
  reader.end();
  decoder.end();
  return lines;
}

describe('CaptureDecoder packet tracking', () => {
  it('messages over 1, 70 and 150 packets, then single-packet ones, name their first and last frames', () => {
    const a = post('/a', 690);
    const b = post('/b', 1490);
    const segments: ['client' | 'server', Uint8Array][] = [
      ['client', cat(post('/x', 0).head)],
      ['client', a.head],
      ...chunksOf(a.body, 10).map((piece): ['client', Uint8Array] => ['client', piece]),
      ['client', b.head],
      ...chunksOf(b.body, 10).map((piece): ['client', Uint8Array] => ['client', piece]),
      ['client', post('/y', 0).head],
      ['server', ACCEPTED],
    ];
    // /x is frame 4; /a is frames 5-74 (head + 69 pieces); /b is frames 75-224 (head + 149 pieces); /y is 225.
    for (const streamBodies of [false, true]) {
      const heads = streamBodies
        ? ['head frame 4', 'head frame 5', 'head frame 75', 'head frame 225', 'head frame 226']
        : [];
      const lines = decode(segments, streamBodies);
      assert.deepEqual(
        lines.filter((l) => !l.startsWith('head')),
        [
          'client-to-server /x frames 4-4',
          'client-to-server /a frames 5-74',
          'client-to-server /b frames 75-224',
          'client-to-server /y frames 225-225',
          'server-to-client 202 frames 226-226',
        ],
      );
      assert.deepEqual(
        lines.filter((l) => l.startsWith('head')),
        heads,
      );
    }
  });

  it('two messages in one packet and one message over two packets share the packets they came in', () => {
    const x = post('/x', 3);
    const lines = decode(
      [
        ['client', cat(x.head, x.body, post('/y', 0).head, ascii('POST /z HT'))],
        ['client', ascii('TP/1.1\r\nContent-Length: 0\r\n\r\n')],
      ],
      false,
    );
    assert.deepEqual(lines, [
      'client-to-server /x frames 4-4',
      'client-to-server /y frames 4-4',
      'client-to-server /z frames 4-5',
    ]);
  });

  it('beyond 8192 packets in one message, its first frame is the oldest one still tracked', () => {
    const big = post('/big', 8200);
    const segments: ['client' | 'server', Uint8Array][] = [
      ['client', big.head],
      ...chunksOf(big.body, 1).map((piece): ['client', Uint8Array] => ['client', piece]),
      ['client', post('/after', 0).head],
    ];
    // Frames 4 (head) to 8204 (last body byte). At the 8193rd tracked packet the oldest 4096 are dropped, so the
    // oldest frame still known is the 4097th packet of the message: frame 4100.
    assert.deepEqual(decode(segments, false), [
      'client-to-server /big frames 4100-8204',
      'client-to-server /after frames 8205-8205',
    ]);
  });
});
