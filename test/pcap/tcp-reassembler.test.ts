import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptureTimestamp, TCP_FLAGS, TcpReassembler, type TcpReassemblerOptions } from '../../src/pcap/index.ts';
import { ascii } from '../helpers/bytes.ts';
import { type ReassemblyLog, recordEvent } from './harness.ts';

const CLIENT = { address: '10.0.0.1', port: 40000 };
const SERVER = { address: '10.0.0.2', port: 5051 };
const C2S = '10.0.0.1:40000>10.0.0.2:5051';
const S2C = '10.0.0.2:5051>10.0.0.1:40000';
const F = TCP_FLAGS;

/** Drives a reassembler with hand-made segments; frame numbers count from 1. */
class Script {
  readonly log: ReassemblyLog = { streams: {}, events: [] };
  readonly reassembler: TcpReassembler;
  readonly delivered: Uint8Array[] = [];
  /** Per closed connection: client-to-server then server-to-client `uncheckedBytes`. */
  readonly unchecked: number[] = [];
  private frame = 0;

  constructor(options: TcpReassemblerOptions = {}) {
    this.reassembler = new TcpReassembler((event) => {
      if (event.kind === 'data') this.delivered.push(event.bytes);
      if (event.kind === 'close') {
        this.unchecked.push(event.clientToServer.uncheckedBytes, event.serverToClient.uncheckedBytes);
      }
      recordEvent(this.log, event);
    }, options);
  }

  segment(from: 'c' | 's', seq: number, flags: number, payload = '', ack = 0, missing = 0): this {
    const [src, dst] = from === 'c' ? [CLIENT, SERVER] : [SERVER, CLIENT];
    this.frame++;
    this.reassembler.pushSegment(
      { source: src.address, destination: dst.address },
      { sourcePort: src.port, destinationPort: dst.port, seq: seq >>> 0, ack: ack >>> 0, flags },
      ascii(payload),
      missing,
      { index: this.frame, timestamp: new CaptureTimestamp(0, 0, 0) },
    );
    return this;
  }

  /** SYN (isn 99), SYN-ACK (isn 499), ACK: client data starts at seq 100, server data at 500. */
  handshake(): this {
    return this.segment('c', 99, F.SYN)
      .segment('s', 499, F.SYN | F.ACK, '', 100)
      .segment('c', 100, F.ACK, '', 500);
  }

  end(): ReassemblyLog {
    this.reassembler.end();
    return this.log;
  }
}

describe('TcpReassembler', () => {
  it('delivers in-order segments as views of the input (no copy)', () => {
    const s = new Script().handshake();
    const payload = ascii('hello');
    s.reassembler.pushSegment(
      { source: CLIENT.address, destination: SERVER.address },
      { sourcePort: CLIENT.port, destinationPort: SERVER.port, seq: 100, ack: 500, flags: F.ACK },
      payload,
      0,
      { index: 4, timestamp: new CaptureTimestamp(0, 0, 0) },
    );
    assert.equal(s.delivered[0]!.buffer, payload.buffer);
  });

  it('hands out packet refs of its own: frame and time only, never the pushed packet (whose data views its chunk)', () => {
    const refs: object[] = [];
    const reassembler = new TcpReassembler(
      (event) => {
        if ('packet' in event && event.packet !== undefined) refs.push(event.packet);
      },
      {},
      (_stream, _offset, _bytes, packet) => refs.push(packet),
    );
    const timestamp = new CaptureTimestamp(5, 0, 6);
    const pushed = { index: 7, timestamp, data: new Uint8Array(0), fileOffset: 0, section: 0, interface: 0 };
    reassembler.pushSegment(
      { source: CLIENT.address, destination: SERVER.address },
      { sourcePort: CLIENT.port, destinationPort: SERVER.port, seq: 1, ack: 0, flags: F.ACK },
      ascii('data'),
      0,
      pushed,
    );
    reassembler.end();
    assert.equal(refs.length, 2); // open and data (the end-of-capture close has no packet)
    for (const ref of refs) {
      assert.notEqual(ref, pushed);
      assert.deepEqual(Object.keys(ref).sort(), ['index', 'timestamp']);
      assert.equal((ref as { timestamp: unknown }).timestamp, timestamp);
    }
  });

  it('partial overlaps deliver only the new bytes and compare the old ones', () => {
    const log = new Script()
      .handshake()
      .segment('c', 100, F.ACK, '0123456789')
      .segment('c', 105, F.ACK, '56789abcde')
      .segment('c', 108, F.ACK, 'XYabcdefgh')
      .end();
    assert.equal(log.streams[`1 ${C2S}`], '0123456789abcdefgh');
    assert.deepEqual(log.events, [
      `open #1 ${C2S} frame 1`,
      'tcp-retransmission-conflict connection=1 direction=client-to-server seq=108 streamOffset=8 bytes=2 frame=6',
      'close #1 end-of-capture c2s=18 s2c=0 retrans=2',
    ]);
  });

  it('compares overlapping out-of-order segments, first seen wins', () => {
    const log = new Script()
      .handshake()
      .segment('c', 110, F.ACK, 'abcdef')
      .segment('c', 112, F.ACK, 'cdXfgh')
      .segment('c', 100, F.ACK, '0123456789')
      .end();
    assert.equal(log.streams[`1 ${C2S}`], '0123456789abcdefgh');
    assert.deepEqual(log.events.slice(1, 2), [
      'tcp-retransmission-conflict connection=1 direction=client-to-server seq=114 streamOffset=14 bytes=1 frame=5',
    ]);
  });

  it('declares a gap when out-of-order data exceeds maxBufferedBytes; late bytes are flagged', () => {
    const log = new Script({ maxBufferedBytes: 10 })
      .handshake()
      .segment('c', 100, F.ACK, 'AAAAA')
      .segment('c', 110, F.ACK, 'CCCCCC')
      .segment('c', 120, F.ACK, 'EEEEEE')
      .segment('c', 105, F.ACK, 'BBBBB')
      .end();
    assert.equal(log.streams[`1 ${C2S}`], 'AAAAA⟨gap 5 buffer-limit⟩CCCCCC⟨gap 4 missing⟩EEEEEE');
    assert.deepEqual(log.events, [
      `open #1 ${C2S} frame 1`,
      'tcp-gap connection=1 direction=client-to-server seq=105 streamOffset=5 bytes=5 reason=buffer-limit frame=6',
      'tcp-late-segment connection=1 direction=client-to-server seq=105 streamOffset=5 bytes=5 reason=after-gap frame=7',
      'tcp-gap connection=1 direction=client-to-server seq=116 streamOffset=16 bytes=4 reason=missing frame=6',
      'close #1 end-of-capture c2s=17 s2c=0 retrans=1',
    ]);
  });

  it('RST flushes buffered data with the holes as gaps', () => {
    const log = new Script()
      .handshake()
      .segment('c', 100, F.ACK, 'ab')
      .segment('c', 104, F.ACK, 'ef')
      .segment('s', 500, F.RST | F.ACK, '', 100)
      .end();
    assert.equal(log.streams[`1 ${C2S}`], 'ab⟨gap 2 missing⟩ef');
    assert.equal(log.events.at(-1), 'close #1 rst c2s=4 s2c=0 retrans=0');
  });

  it('a FIN before missing bytes: the hole up to the FIN is a gap at close', () => {
    const log = new Script()
      .handshake()
      .segment('c', 100, F.ACK, 'ab')
      .segment('c', 105, F.FIN | F.ACK, '', 500)
      .segment('s', 500, F.FIN | F.ACK, '', 106)
      .end();
    assert.equal(log.streams[`1 ${C2S}`], 'ab⟨gap 3 missing⟩');
    assert.equal(log.events.at(-1), 'close #1 fin c2s=2 s2c=0 retrans=0');
  });

  it('closes on FIN from both sides at once; stragglers are absorbed, late data flagged', () => {
    const log = new Script()
      .handshake()
      .segment('c', 100, F.ACK, 'hi')
      .segment('c', 102, F.FIN | F.ACK, '', 500)
      .segment('s', 500, F.FIN | F.ACK, '', 103)
      .segment('c', 103, F.ACK, '', 501)
      .segment('c', 100, F.ACK, 'hi', 501)
      .end();
    assert.deepEqual(log.events, [
      `open #1 ${C2S} frame 1`,
      'close #1 fin c2s=2 s2c=0 retrans=0',
      'tcp-data-after-close connection=1 direction=client-to-server seq=100 streamOffset=0 bytes=2 frame=8',
    ]);
  });

  it('late data of either direction is placed from where its delivery stopped; a new SYN on the tuple starts afresh', () => {
    const log = new Script()
      .handshake()
      .segment('c', 100, F.ACK, 'hi')
      .segment('s', 500, F.ACK, 'abc', 102)
      .segment('c', 102, F.FIN | F.ACK, '', 503)
      .segment('s', 503, F.FIN | F.ACK, '', 103)
      .segment('s', 501, F.ACK, 'bc', 103)
      .segment('s', 504, F.ACK, 'zz', 103)
      // The client port is reused: a new connection, whose bytes are not stragglers of the old one.
      .segment('c', 7999, F.SYN)
      .segment('s', 8999, F.SYN | F.ACK, '', 8000)
      .segment('c', 8000, F.ACK, 'new', 9000)
      .segment('s', 9000, F.ACK, 'ok', 8003)
      .end();
    assert.deepEqual(log.events, [
      `open #1 ${C2S} frame 1`,
      'close #1 fin c2s=2 s2c=3 retrans=0',
      'tcp-data-after-close connection=1 direction=server-to-client seq=501 streamOffset=1 bytes=2 frame=8',
      'tcp-data-after-close connection=1 direction=server-to-client seq=504 streamOffset=4 bytes=2 frame=9',
      `open #2 ${C2S} frame 10`,
      'close #2 end-of-capture c2s=3 s2c=2 retrans=0',
    ]);
    assert.equal(log.streams[`2 ${C2S}`], 'new');
  });

  it('a SYN-ACK without its SYN still places the client stream at byte 0 (not midstream)', () => {
    const log = new Script()
      .segment('s', 499, F.SYN | F.ACK, '', 100)
      .segment('c', 100, F.ACK, 'req', 500)
      .segment('s', 500, F.ACK, 'resp', 103)
      .end();
    assert.deepEqual(log.events, [`open #1 ${C2S} frame 1`, 'close #1 end-of-capture c2s=3 s2c=4 retrans=0']);
    assert.equal(log.streams[`1 ${S2C}`], 'resp');
  });

  it('midstream: the server role is guessed from the first packet, earlier bytes are late', () => {
    const log = new Script().segment('c', 1000, F.ACK, 'later', 7).segment('c', 995, F.ACK, 'early', 7).end();
    assert.deepEqual(log.events, [
      `open #1 ${C2S} midstream frame 1`,
      'tcp-midstream-start connection=1 direction=client-to-server seq=1000 streamOffset=0 frame=1',
      'tcp-late-segment connection=1 direction=client-to-server seq=995 streamOffset=-5 bytes=5 reason=before-start frame=2',
      'close #1 end-of-capture c2s=5 s2c=0 retrans=1',
    ]);
  });

  it('bytes cut by the snap length become a gap, even out of order', () => {
    const log = new Script()
      .handshake()
      .segment('c', 110, F.ACK, 'kl', 0, 3)
      .segment('c', 100, F.ACK, 'abcdefghij')
      .segment('c', 115, F.ACK, 'pq')
      .end();
    assert.equal(log.streams[`1 ${C2S}`], 'abcdefghijkl⟨gap 3 snaplen⟩pq');
  });

  it('sequence numbers wrap at 2^32', () => {
    const log = new Script()
      .segment('c', 0xfffffffd, F.SYN)
      .segment('s', 10, F.SYN | F.ACK, '', 0xfffffffe)
      .segment('c', 0xfffffffe, F.ACK, 'ab', 11)
      .segment('c', 2, F.ACK, 'ef', 11)
      .segment('c', 0, F.ACK, 'cd', 11)
      .end();
    assert.equal(log.streams[`1 ${C2S}`], 'abcdef');
  });

  it('retransmissions older than the retained window are counted without comparison', () => {
    const log = new Script({ retainBytes: 4 })
      .handshake()
      .segment('c', 100, F.ACK, '0123456789')
      .segment('c', 100, F.ACK, 'XXXXXX6789')
      .segment('c', 100, F.ACK, 'XXXXXX67X9')
      .end();
    assert.deepEqual(log.events, [
      `open #1 ${C2S} frame 1`,
      'tcp-retransmission-conflict connection=1 direction=client-to-server seq=108 streamOffset=8 bytes=1 frame=6',
      'close #1 end-of-capture c2s=10 s2c=0 retrans=2',
    ]);
  });

  it('the retained copy survives ring growth: identical retransmissions pass, one changed byte is found', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('');
    const s = new Script({ retainBytes: 16384 }).handshake();
    for (let at = 0; at < text.length; at += 1000) s.segment('c', 100 + at, F.ACK, text.slice(at, at + 1000));
    s.segment('c', 100 + 2000, F.ACK, text.slice(2000, 3000));
    s.segment('c', 100 + 9000, F.ACK, text.slice(9000, 10_000));
    const changed = `${text.slice(5000, 5500)}#${text.slice(5501, 6000)}`;
    s.segment('c', 100 + 5000, F.ACK, changed);
    const log = s.end();
    assert.equal(log.streams[`1 ${C2S}`], text);
    assert.deepEqual(log.events, [
      `open #1 ${C2S} frame 1`,
      'tcp-retransmission-conflict connection=1 direction=client-to-server seq=5600 streamOffset=5500 bytes=1 frame=16',
      'close #1 end-of-capture c2s=10000 s2c=0 retrans=3',
    ]);
  });

  describe('retained bytes and ACKs', () => {
    it('an ACK of everything delivered lets the copy go: a later retransmission is reported unchecked', () => {
      const s = new Script()
        .handshake()
        .segment('c', 100, F.ACK | F.PSH, '0123456789', 500)
        .segment('s', 500, F.ACK, '', 110)
        .segment('c', 100, F.ACK, 'XXXXXXXXXX', 500);
      const log = s.end();
      assert.equal(log.streams[`1 ${C2S}`], '0123456789');
      assert.deepEqual(log.events, [
        `open #1 ${C2S} frame 1`,
        'tcp-retransmission-unchecked connection=1 direction=client-to-server seq=100 streamOffset=0 bytes=10 frame=6',
        'close #1 end-of-capture c2s=10 s2c=0 retrans=1',
      ]);
      assert.deepEqual(s.unchecked, [10, 0]);
    });

    it('retainAcknowledged keeps the copy: the same retransmission is compared (a conflict)', () => {
      const s = new Script({ retainAcknowledged: true })
        .handshake()
        .segment('c', 100, F.ACK | F.PSH, '0123456789', 500)
        .segment('s', 500, F.ACK, '', 110)
        .segment('c', 100, F.ACK, '0123X56789', 500);
      assert.deepEqual(s.end().events, [
        `open #1 ${C2S} frame 1`,
        'tcp-retransmission-conflict connection=1 direction=client-to-server seq=104 streamOffset=4 bytes=1 frame=6',
        'close #1 end-of-capture c2s=10 s2c=0 retrans=1',
      ]);
      assert.deepEqual(s.unchecked, [0, 0]);
    });

    it('an ACK short of what was delivered keeps the whole copy', () => {
      const log = new Script()
        .handshake()
        .segment('c', 100, F.ACK, '0123456789', 500)
        .segment('s', 500, F.ACK, '', 105)
        .segment('c', 100, F.ACK, '0123456789', 500)
        .segment('c', 100, F.ACK, '01234567X9', 500)
        .end();
      assert.deepEqual(log.events, [
        `open #1 ${C2S} frame 1`,
        'tcp-retransmission-conflict connection=1 direction=client-to-server seq=108 streamOffset=8 bytes=1 frame=7',
        'close #1 end-of-capture c2s=10 s2c=0 retrans=2',
      ]);
    });

    it('after a release, new bytes are retained afresh: one retransmission is split into unchecked and compared', () => {
      const log = new Script()
        .handshake()
        .segment('c', 100, F.ACK, 'abcde', 500)
        .segment('s', 500, F.ACK, 'ok', 105)
        .segment('c', 105, F.ACK, 'fghij', 502)
        .segment('c', 103, F.ACK, 'XXfgXij', 502)
        .end();
      assert.equal(log.streams[`1 ${C2S}`], 'abcdefghij');
      assert.equal(log.streams[`1 ${S2C}`], 'ok');
      assert.deepEqual(log.events, [
        `open #1 ${C2S} frame 1`,
        'tcp-retransmission-conflict connection=1 direction=client-to-server seq=107 streamOffset=7 bytes=1 frame=7',
        'tcp-retransmission-unchecked connection=1 direction=client-to-server seq=103 streamOffset=3 bytes=2 frame=7',
        'close #1 end-of-capture c2s=10 s2c=2 retrans=1',
      ]);
    });

    it('both directions: each side ACKing the other lets both copies go', () => {
      const log = new Script()
        .handshake()
        .segment('c', 100, F.ACK, 'ping', 500)
        .segment('s', 500, F.ACK, 'pong', 104)
        .segment('c', 104, F.ACK, '', 504)
        .segment('s', 500, F.ACK, 'pong', 104)
        .segment('c', 100, F.ACK, 'ping', 504)
        .end();
      assert.deepEqual(log.events, [
        `open #1 ${C2S} frame 1`,
        'tcp-retransmission-unchecked connection=1 direction=server-to-client seq=500 streamOffset=0 bytes=4 frame=7',
        'tcp-retransmission-unchecked connection=1 direction=client-to-server seq=100 streamOffset=0 bytes=4 frame=8',
        'close #1 end-of-capture c2s=4 s2c=4 retrans=2',
      ]);
    });

    it('only what the retained window held is reported unchecked; older bytes are counted, as before', () => {
      // Bytes 0-5 are older than the 4-byte window: not compared and not reported, as without ACK releases.
      const log = new Script({ retainBytes: 4 })
        .handshake()
        .segment('c', 100, F.ACK, '0123456789', 500)
        .segment('s', 500, F.ACK, '', 110)
        .segment('c', 100, F.ACK, 'XXXXXXXXXX', 500)
        .end();
      assert.deepEqual(log.events, [
        `open #1 ${C2S} frame 1`,
        'tcp-retransmission-unchecked connection=1 direction=client-to-server seq=106 streamOffset=6 bytes=4 frame=6',
        'close #1 end-of-capture c2s=10 s2c=0 retrans=1',
      ]);
    });
  });

  it('evicts the oldest connection beyond maxConnections', () => {
    const s = new Script({ maxConnections: 1 }).handshake();
    s.reassembler.pushSegment(
      { source: '10.0.0.9', destination: SERVER.address },
      { sourcePort: 1, destinationPort: SERVER.port, seq: 0, ack: 0, flags: F.SYN },
      new Uint8Array(0),
      0,
      { index: 9, timestamp: new CaptureTimestamp(0, 0, 0) },
    );
    assert.equal(s.reassembler.openConnections, 1);
    assert.deepEqual(s.end().events, [
      `open #1 ${C2S} frame 1`,
      'open #2 10.0.0.9:1>10.0.0.2:5051 frame 9',
      'tcp-connection-evicted connection=1 frame=9',
      'close #1 evicted c2s=0 s2c=0 retrans=0',
      'close #2 end-of-capture c2s=0 s2c=0 retrans=0',
    ]);
  });

  it('a retransmitted SYN does not open a new connection', () => {
    const log = new Script().handshake().segment('c', 99, F.SYN).segment('c', 100, F.ACK, 'x').end();
    assert.deepEqual(log.events, [`open #1 ${C2S} frame 1`, 'close #1 end-of-capture c2s=1 s2c=0 retrans=0']);
  });

  it('releases closed connections (memory stays bounded)', () => {
    const s = new Script();
    for (let i = 0; i < 2000; i++) {
      const base = i * 1000;
      s.segment('c', base, F.SYN)
        .segment('s', base, F.SYN | F.ACK, '', base + 1)
        .segment('c', base + 1, F.ACK | F.FIN, 'x', base + 1)
        .segment('s', base + 1, F.ACK | F.FIN, '', base + 3);
      assert.equal(s.reassembler.openConnections, 0);
    }
    assert.equal(s.reassembler.stats.connections, 2000);
  });

  it('keeps a bounded number of closed connections when every connection has its own ports', () => {
    const reassembler = new TcpReassembler(() => {});
    const at = { index: 0, timestamp: new CaptureTimestamp(0, 0, 0) };
    const empty = new Uint8Array(0);
    const send = (sourcePort: number, destinationPort: number, seq: number, flags: number, ack: number): void => {
      const [source, destination] = sourcePort === SERVER.port ? [SERVER, CLIENT] : [CLIENT, SERVER];
      reassembler.pushSegment(
        { source: source.address, destination: destination.address },
        { sourcePort, destinationPort, seq, ack, flags },
        empty,
        0,
        at,
      );
    };
    // 20,000 short connections from distinct client ports (more than the 2,048 closed ones the reassembler keeps).
    for (let i = 0; i < 20_000; i++) {
      const port = 10_000 + i;
      send(port, SERVER.port, 99, F.SYN, 0);
      send(SERVER.port, port, 499, F.SYN | F.ACK, 100);
      send(port, SERVER.port, 100, F.ACK | F.FIN, 500);
      send(SERVER.port, port, 500, F.ACK | F.FIN, 101);
    }
    assert.equal(reassembler.openConnections, 0);
    assert.equal(reassembler.stats.connections, 20_000);
    // Private state, read on purpose: the bound is the point of this test.
    const kept = (reassembler as unknown as { tombstones: { size: number } }).tombstones.size;
    assert.ok(kept <= 4096, `closed-connection entries kept: ${kept}`);
  });
});
