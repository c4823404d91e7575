import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeMessageBody } from '../../src/analysis/body-decode.ts';
import { FlowTable } from '../../src/analysis/flows.ts';
import { SessionStats } from '../../src/analysis/session-stats.ts';
import { CaptureTimestamp } from '../../src/pcap/timestamp.ts';
import { decodeCaptureSessions } from '../../src/pipeline/decode-sessions.ts';
import type { DecodedEvent } from '../../src/pipeline/events.ts';
import { fromMesosJson } from '../../src/proto/json-read.ts';
import { findType, getDefaultRoot } from '../../src/proto/schema.ts';

const SESSIONS = join(import.meta.dirname, '..', '..', 'fixtures', 'pcap', 'sessions');

async function analyse(name: string) {
  const flows = new FlowTable();
  const stats = new SessionStats();
  await decodeCaptureSessions(join(SESSIONS, name), (e) => {
    flows.add(e);
    stats.add(e);
  });
  return { flows, stats: stats.summary() };
}

/** A libprocess message event at `ms` milliseconds, its body built from Mesos JSON. */
function messageAt(ms: number, name: string, json: unknown): DecodedEvent {
  const body = fromMesosJson(JSON.stringify(json), findType(getDefaultRoot(), name)!);
  return {
    type: 'message',
    offset: 0,
    end: 100,
    version: '1.1',
    framing: 'content-length',
    chunks: [],
    body,
    trailers: [],
    from: 'master@10.0.0.1:5050',
    fromText: 'master@10.0.0.1:5050',
    fromValid: true,
    fromSource: 'Libprocess-From',
    to: 'x',
    name,
    style: 'other',
    flow: '10.0.0.1:1>10.0.0.2:2',
    typed: decodeMessageBody(name, body),
    time: new CaptureTimestamp(1795813200 + Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6), 6),
  };
}

describe('SessionStats', () => {
  it('libprocess session: per flow, framework and agent, and the three latencies', async () => {
    const { stats } = await analyse('libprocess-session.pcap');
    assert.deepEqual(stats.frameworks, [{ key: 'fw-0001', items: 8, wireBytes: 2296 }]);
    assert.deepEqual(stats.agents, [{ key: 'agent-0001', items: 8, wireBytes: 2271 }]);
    assert.deepEqual(stats.flows.slice(0, 4), [
      { key: '10.0.0.1:5050>10.0.0.4:45000', items: 7, wireBytes: 624 },
      { key: '10.0.0.4:45000>10.0.0.1:5050', items: 7, wireBytes: 1253 },
      { key: '10.0.0.1:5050>10.0.0.2:41000', items: 4, wireBytes: 324 },
      { key: '10.0.0.2:41000>10.0.0.1:5050', items: 4, wireBytes: 1033 },
    ]);
    assert.equal(stats.flows.length, 10);
    // ResourceOffers 7.200 s -> ACCEPT 7.450 s; ACCEPT (launch) -> TASK_RUNNING 8.450 s; update -> ACKNOWLEDGE 8.700 s.
    assert.deepEqual(stats.latencies, {
      offerToAccept: { count: 1, p50: 250, p90: 250, p99: 250, max: 250, unmatched: 0 },
      launchToRunning: { count: 1, p50: 1000, p90: 1000, p99: 1000, max: 1000, unmatched: 0 },
      updateToAcknowledgement: { count: 1, p50: 250, p90: 250, p99: 250, max: 250, unmatched: 0 },
    });
  });

  it('v1 scheduler API: ids and latencies from JSON events and calls', async () => {
    const { stats } = await analyse('scheduler-api.pcap');
    assert.deepEqual(stats.frameworks, [
      { key: 'fw-0002', items: 4, wireBytes: 983 },
      { key: 'fw-0003', items: 1, wireBytes: 27 },
      { key: 'fw-9999', items: 1, wireBytes: 243 },
    ]);
    assert.deepEqual(stats.agents, [{ key: 'agent-0002', items: 4, wireBytes: 1035 }]);
    assert.deepEqual(stats.latencies, {
      offerToAccept: { count: 1, p50: 200, p90: 200, p99: 200, max: 200, unmatched: 0 },
      launchToRunning: { count: 1, p50: 900, p90: 900, p99: 900, max: 900, unmatched: 0 },
      updateToAcknowledgement: { count: 1, p50: 100, p90: 100, p99: 100, max: 100, unmatched: 0 },
    });
  });

  it('percentiles by nearest rank; starts never ended are counted unmatched; only the first end counts', () => {
    const stats = new SessionStats();
    const offers = Array.from({ length: 10 }, (_, i) => ({
      id: { value: `o${i}` },
      framework_id: { value: 'f' },
      slave_id: { value: 'a' },
      hostname: 'h',
    }));
    stats.add(
      messageAt(0, 'mesos.internal.ResourceOffersMessage', {
        offers: [...offers, { ...offers[0]!, id: { value: 'never' } }],
      }),
    );
    // Offer i is accepted after (i + 1) * 10 ms; o9 twice (the second does not count).
    for (let i = 0; i < 10; i++) {
      stats.add(
        messageAt((i + 1) * 10, 'mesos.scheduler.Call', {
          framework_id: { value: 'f' },
          type: 'ACCEPT',
          accept: { offer_ids: [{ value: `o${i}` }] },
        }),
      );
    }
    stats.add(messageAt(500, 'mesos.scheduler.Call', { type: 'ACCEPT', accept: { offer_ids: [{ value: 'o9' }] } }));
    assert.deepEqual(stats.summary().latencies.offerToAccept, {
      count: 10,
      p50: 50,
      p90: 90,
      p99: 100,
      max: 100,
      unmatched: 1,
    });
    assert.deepEqual(stats.summary().frameworks, [{ key: 'f', items: 11, wireBytes: 1100 }]);
  });

  it('thousands of latencies (past the first room for them), in any order, ranked numerically', () => {
    const stats = new SessionStats();
    const n = 2500;
    const offers = Array.from({ length: n }, (_, i) => ({
      id: { value: `o${i}` },
      framework_id: { value: 'f' },
      slave_id: { value: 'a' },
      hostname: 'h',
    }));
    stats.add(messageAt(0, 'mesos.internal.ResourceOffersMessage', { offers }));
    // Offer i is accepted after a latency that is a permutation of 1..n ms (0.5 ms steps: fractions survive).
    for (let i = 0; i < n; i++) {
      const latency = (((i * 7919) % n) + 1) / 2;
      stats.add(
        messageAt(latency, 'mesos.scheduler.Call', {
          framework_id: { value: 'f' },
          type: 'ACCEPT',
          accept: { offer_ids: [{ value: `o${i}` }] },
        }),
      );
    }
    assert.deepEqual(stats.summary().latencies.offerToAccept, {
      count: n,
      p50: 625,
      p90: 1125,
      p99: 1237.5,
      max: 1250,
      unmatched: 0,
    });
  });
});

describe('FlowTable', () => {
  it('libprocess session: endpoints, times, bytes, items per direction, anomalies, TLS', async () => {
    const { flows } = await analyse('libprocess-session.pcap');
    const rows = flows.flows().map((f) => ({
      flow: f.flow,
      first: `${f.firstFrame} ${f.firstTime.toISOString()}`,
      last: `${f.lastFrame} ${f.lastTime.toISOString()}`,
      close: f.closeReason,
      encrypted: f.encrypted,
      c2s: `${f.clientToServer.bytes} B, ${f.clientToServer.messages} messages`,
      s2c: `${f.serverToClient.bytes} B, ${f.serverToClient.responses} responses`,
      anomalies: f.anomalies,
    }));
    assert.deepEqual(rows, [
      {
        flow: '10.0.0.2:41000>10.0.0.1:5050',
        first: '1 2026-11-27T21:00:00.000000Z',
        last: '68 2026-11-27T21:00:09.200001Z',
        close: 'fin',
        encrypted: false,
        c2s: '1033 B, 4 messages',
        s2c: '324 B, 4 responses',
        anomalies: { 'registration-repeated': 1 },
      },
      {
        flow: '10.0.0.1:42000>10.0.0.2:5051',
        first: '10 2026-11-27T21:00:06.020000Z',
        last: '71 2026-11-27T21:00:09.201001Z',
        close: 'fin',
        encrypted: false,
        c2s: '821 B, 3 messages',
        s2c: '243 B, 3 responses',
        anomalies: {},
      },
      {
        flow: '10.0.0.3:43000>10.0.0.1:5050',
        first: '15 2026-11-27T21:00:07.000000Z',
        last: '74 2026-11-27T21:00:09.202001Z',
        close: 'fin',
        encrypted: false,
        c2s: '794 B, 3 messages',
        s2c: '243 B, 3 responses',
        anomalies: { 'upid-address-mismatch': 1 },
      },
      {
        flow: '10.0.0.1:44000>10.0.0.3:40123',
        first: '20 2026-11-27T21:00:07.020000Z',
        last: '77 2026-11-27T21:00:09.203001Z',
        close: 'fin',
        encrypted: false,
        c2s: '857 B, 3 messages',
        s2c: '243 B, 3 responses',
        anomalies: {},
      },
      {
        flow: '10.0.0.4:45000>10.0.0.1:5050',
        first: '39 2026-11-27T21:00:09.000000Z',
        last: '57 2026-11-27T21:00:09.080001Z',
        close: 'fin',
        encrypted: false,
        c2s: '1253 B, 7 messages',
        s2c: '624 B, 7 responses',
        anomalies: {
          'upid-loopback-address': 1,
          'libprocess-sender-mismatch': 1,
          'message-unknown-name': 1,
          'body-undecodable': 1,
          'libprocess-error-response': 1,
          'upid-address-mismatch': 1,
        },
      },
      {
        flow: '10.0.0.5:46000>10.0.0.1:5050',
        first: '59 2026-11-27T21:00:09.100000Z',
        last: '65 2026-11-27T21:00:09.120001Z',
        close: 'fin',
        encrypted: true,
        c2s: '10 B, 0 messages',
        s2c: '10 B, 0 responses',
        anomalies: { 'tls-encrypted': 1 },
      },
    ]);
    assert.deepEqual(flows.other, {});
  });

  it('scheduler API: requests, responses and records per direction', async () => {
    const { flows } = await analyse('scheduler-api.pcap');
    const first = flows.flows()[0]!;
    assert.deepEqual(first.clientToServer, {
      bytes: 228,
      messages: 0,
      requests: 1,
      responses: 0,
      records: 0,
      gapBytes: 0,
      retransmissions: 0,
    });
    assert.deepEqual(first.serverToClient, {
      bytes: 705,
      messages: 0,
      requests: 0,
      responses: 1,
      records: 6,
      gapBytes: 0,
      retransmissions: 0,
    });
    assert.deepEqual(first.anomalies, { 'heartbeat-missed': 1 });
    assert.equal(first.lastTime.toISOString(), '2026-11-27T21:00:50.040001Z');
  });
});
