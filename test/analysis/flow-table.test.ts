import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  FLOW_ROW_FIELDS,
  type FlowDirectionSummary,
  type FlowRowStore,
  type FlowSummary,
  FlowTable,
  MemoryFlowRowStore,
} from '../../src/analysis/flows.ts';
import { DIAGNOSTIC_INFO, type DiagnosticKind } from '../../src/diagnostics.ts';
import { AutoCaptureReader } from '../../src/pcap/detect.ts';
import { CaptureTimestamp, UNKNOWN_TIME } from '../../src/pcap/timestamp.ts';
import { CaptureSessionDecoder } from '../../src/pipeline/decode-sessions.ts';
import type { DecodedEvent } from '../../src/pipeline/events.ts';
import { readNamedCaptureFixtures } from '../pcap/harness.ts';

function emptyDirection(): FlowDirectionSummary {
  return { bytes: 0, messages: 0, requests: 0, responses: 0, records: 0, gapBytes: 0, retransmissions: 0 };
}

/**
 * The table as it was written before its columns: one FlowSummary object per connection, updated in place. Kept
 * here as the specification the column store must match event for event.
 */
class ObjectFlowTable {
  readonly byConnection = new Map<number, FlowSummary>();
  readonly other: Partial<Record<DiagnosticKind, number>> = {};

  add(event: DecodedEvent): void {
    switch (event.type) {
      case 'open':
        this.byConnection.set(event.connection, {
          connection: event.connection,
          flow: event.flow,
          client: event.client,
          server: event.server,
          midstream: event.midstream,
          encrypted: false,
          firstFrame: event.frame,
          firstTime: event.time,
          lastFrame: event.frame,
          lastTime: event.time,
          closeReason: null,
          clientToServer: emptyDirection(),
          serverToClient: emptyDirection(),
          anomalies: {},
          errors: 0,
        });
        return;
      case 'close': {
        const flow = this.byConnection.get(event.connection);
        if (flow === undefined) return;
        flow.closeReason = event.reason;
        this.touch(flow, event.frame, event.time);
        for (const [summary, stats] of [
          [flow.clientToServer, event.clientToServer],
          [flow.serverToClient, event.serverToClient],
        ] as const) {
          summary.bytes = stats.bytes;
          summary.gapBytes = stats.gapBytes;
          summary.retransmissions = stats.retransmissions;
        }
        return;
      }
      case 'diagnostic': {
        const d = event.diagnostic;
        const connection = (d as { connection?: number }).connection;
        const flow = connection === undefined ? undefined : this.byConnection.get(connection);
        const counts = flow === undefined ? this.other : flow.anomalies;
        counts[d.kind] = (counts[d.kind] ?? 0) + 1;
        if (flow !== undefined && d.kind === 'tls-encrypted') flow.encrypted = true;
        return;
      }
      default: {
        if (event.connection === undefined) return;
        const flow = this.byConnection.get(event.connection);
        if (flow === undefined) return;
        this.touch(flow, event.frame, event.time);
        const direction = event.direction === 'server-to-client' ? flow.serverToClient : flow.clientToServer;
        if (event.type === 'message') direction.messages++;
        else if (event.type === 'request') direction.requests++;
        else if (event.type === 'response') direction.responses++;
        else if (event.type === 'record') direction.records++;
        else if (event.type === 'error') flow.errors++;
      }
    }
  }

  private touch(flow: FlowSummary, frame: number | undefined, time: CaptureTimestamp | undefined): void {
    if (frame !== undefined && frame > flow.lastFrame) {
      flow.lastFrame = frame;
      if (time !== undefined) flow.lastTime = time;
    }
  }
}

/** A summary with its times as what output shows of them (ISO text, JSON value, known). */
function comparable(flow: FlowSummary): unknown {
  const time = (t: CaptureTimestamp) => ({ iso: t.toISOString(), json: t.toJSON(), known: t.known });
  return { ...flow, firstTime: time(flow.firstTime), lastTime: time(flow.lastTime) };
}

function assertSameTables(table: FlowTable, reference: ObjectFlowTable): void {
  const expected = [...reference.byConnection.values()];
  assert.deepEqual(table.flows().map(comparable), expected.map(comparable));
  assert.deepEqual([...table.summaries()].map(comparable), expected.map(comparable));
  assert.equal(
    JSON.stringify({ flows: table.flows(), other: table.other }),
    JSON.stringify({ flows: expected, other: reference.other }),
  );
  assert.equal(table.size, expected.length);
  assert.deepEqual(table.other, reference.other);
}

const time = (seconds: number | bigint, nanos = 0, digits = 6, fine?: string) =>
  new CaptureTimestamp(seconds, nanos, digits, fine);
const stats = (bytes: number, gapBytes = 0, retransmissions = 0) => ({
  bytes,
  segments: 1,
  retransmissions,
  retransmittedBytes: 0,
  conflicts: 0,
  gapBytes,
  gaps: 0,
});

function open(
  connection: number,
  frame: number,
  at: CaptureTimestamp,
  flow?: string,
  client = `10.0.1.${connection % 250}:${10000 + connection}`,
  server = '10.0.0.2:5050',
): DecodedEvent {
  return {
    type: 'open',
    connection,
    flow: flow ?? `${client}>${server}`,
    client,
    server,
    midstream: connection % 3 === 0,
    frame,
    time: at,
  };
}

function item(
  type: 'message' | 'request' | 'response' | 'record' | 'error',
  connection: number,
  frame: number | undefined,
  at: CaptureTimestamp | undefined,
  direction: 'client-to-server' | 'server-to-client',
): DecodedEvent {
  return { type, connection, frame, time: at, direction, flow: 'x' } as unknown as DecodedEvent;
}

describe('FlowTable (columns)', () => {
  it('matches one object per connection on every pcap and pcapng fixture', () => {
    for (const { name, bytes } of readNamedCaptureFixtures('generated', 'real', 'sessions')) {
      const table = new FlowTable();
      const reference = new ObjectFlowTable();
      const decoder = new CaptureSessionDecoder((event) => {
        table.add(event);
        reference.add(event);
      });
      const reader = new AutoCaptureReader();
      try {
        reader.write(bytes, (packet) => decoder.push(packet));
        reader.end();
      } catch {
        // A fixture that is corrupt on purpose: what was decoded before still counts.
      }
      decoder.end();
      assert.ok(reference.byConnection.size > 0 || name.includes('fragment'), name);
      assertSameTables(table, reference);
    }
  });

  it('many connections (the columns grow), items of every kind, closes, anomalies, odd times, a reopened id', () => {
    const table = new FlowTable();
    const reference = new ObjectFlowTable();
    const events: DecodedEvent[] = [];
    const odd = [UNKNOWN_TIME, time(2n ** 60n, 5, 9), time(1795813200, 123456789, 12, '123456789012'), time(0, 0, 0)];
    for (let c = 1; c <= 300; c++) {
      events.push(
        open(c, c * 10, c <= odd.length ? odd[c - 1]! : time(1795813200 + c, c * 1000), c === 7 ? 'custom' : undefined),
      );
    }
    for (let c = 1; c <= 300; c++) {
      const kinds = ['message', 'request', 'response', 'record', 'error'] as const;
      events.push(
        item(
          kinds[c % 5]!,
          c,
          c * 10 + 5,
          time(1795813300 + c, 7, 6),
          c % 2 === 0 ? 'server-to-client' : 'client-to-server',
        ),
      );
      // An earlier frame does not move the last time; a frame without a time moves the frame only.
      events.push(item('message', c, c * 10 + 1, time(1, 1, 6), 'client-to-server'));
      if (c % 4 === 0) events.push(item('message', c, c * 10 + 6, undefined, 'server-to-client'));
      if (c % 5 === 0)
        events.push({ type: 'diagnostic', diagnostic: { kind: 'tls-encrypted', connection: c } } as DecodedEvent);
      if (c % 6 === 0)
        events.push({ type: 'diagnostic', diagnostic: { kind: 'tcp-gap', connection: c } } as DecodedEvent);
      if (c % 6 === 0)
        events.push({ type: 'diagnostic', diagnostic: { kind: 'tcp-gap', connection: c } } as DecodedEvent);
    }
    events.push({ type: 'diagnostic', diagnostic: { kind: 'packet-undecodable' } } as DecodedEvent);
    events.push({ type: 'diagnostic', diagnostic: { kind: 'tcp-gap', connection: 9999 } } as DecodedEvent);
    events.push(item('message', 9999, 1, time(1), 'client-to-server'));
    for (let c = 1; c <= 300; c += 2) {
      const reasons = ['fin', 'rst', 'end-of-capture', 'reused', 'evicted'] as const;
      events.push({
        type: 'close',
        connection: c,
        flow: 'x',
        reason: reasons[c % 5]!,
        frame: c % 3 === 0 ? undefined : 5000 + c,
        time: c === 3 ? time(2n ** 61n, 1, 9) : time(1795814000 + c, 0, 6),
        clientToServer: stats(c * 100, c, c % 7),
        serverToClient: stats(c * 10),
      } as DecodedEvent);
    }
    // The same id again: a fresh summary where the old one was.
    events.push(open(10, 90000, time(1795819999, 1, 9)));
    events.push(item('response', 10, 90001, time(1795819999, 2, 9), 'server-to-client'));
    for (const event of events) {
      table.add(event);
      reference.add(event);
    }
    assertSameTables(table, reference);
    assert.equal(table.size, 300);
    assert.equal(table.flows()[6]!.flow, 'custom');
  });

  it('endpoints of every shape come back as given; anomaly counts shared by connections stay apart', () => {
    const table = new FlowTable();
    const reference = new ObjectFlowTable();
    const endpoints = [
      ['[::1]:40000', '[::1]:5050'],
      ['[fe80::1%eth0]:1', '[fe80::2]:65535'],
      ['10.0.0.1:0', '10.0.0.2:05050'],
      ['10.0.0.1:+7', '10.0.0.2:1e3'],
      ['10.0.0.1:', ':5050'],
      ['no-port', '10.0.0.2:5050:5050'],
      ['10.0.0.1:1.5', '10.0.0.2: 80'],
      ['10.0.0.1:40001', '10.0.0.2:5050'],
    ];
    const events: DecodedEvent[] = [];
    endpoints.forEach(([client, server], i) => {
      events.push(open(i + 1, i + 1, time(1795813200 + i), undefined, client, server));
    });
    // Connections 1-4 reach the same counts in different orders; 5 and 6 share theirs with nobody.
    const diagnostic = (connection: number, kind: DiagnosticKind) =>
      ({ type: 'diagnostic', diagnostic: { kind, connection } }) as DecodedEvent;
    for (const [connection, kinds] of [
      [1, ['tcp-gap', 'upid-address-mismatch']],
      [2, ['upid-address-mismatch', 'tcp-gap']],
      [3, ['tcp-gap', 'upid-address-mismatch']],
      [4, ['upid-address-mismatch']],
      [5, ['tcp-gap', 'tcp-gap', 'tcp-gap']],
      [6, ['tls-encrypted', 'tcp-gap']],
    ] as const) {
      for (const kind of kinds) events.push(diagnostic(connection, kind));
    }
    // Reopened: its old counts are gone, the new endpoint is kept.
    events.push(open(5, 99, time(1795819999), undefined, '10.9.9.9:1', '10.0.0.2:5050'));
    events.push(diagnostic(5, 'upid-address-mismatch'));
    for (const event of events) {
      table.add(event);
      reference.add(event);
    }
    assertSameTables(table, reference);
    const flows = table.flows();
    assert.deepEqual(
      flows.map((f) => [f.client, f.server]),
      endpoints.map(([c, s], i) => (i === 4 ? ['10.9.9.9:1', '10.0.0.2:5050'] : [c, s])),
    );
    assert.deepEqual(Object.keys(flows[0]!.anomalies), ['tcp-gap', 'upid-address-mismatch']);
    assert.deepEqual(Object.keys(flows[1]!.anomalies), ['upid-address-mismatch', 'tcp-gap']);
    // A caller changing one summary's counts changes nothing else.
    flows[0]!.anomalies['tcp-gap'] = 42;
    assert.deepEqual(table.flows()[2]!.anomalies, { 'tcp-gap': 1, 'upid-address-mismatch': 1 });
    assert.deepEqual(table.flows()[0]!.anomalies, { 'tcp-gap': 1, 'upid-address-mismatch': 1 });
  });
});

/** A memory store that records what the table asks of it. */
class RecordingStore implements FlowRowStore {
  readonly rows = new MemoryFlowRowStore();
  readonly puts: number[] = [];
  readonly reads: [number, number][] = [];

  put(slot: number, row: Float64Array): void {
    assert.ok(row.length >= FLOW_ROW_FIELDS);
    this.puts.push(slot);
    this.rows.put(slot, row);
  }

  read(first: number, count: number, into: Float64Array): void {
    this.reads.push([first, count]);
    this.rows.read(first, count, into);
  }
}

const diagnosticOn = (connection: number, kind: string) =>
  ({ type: 'diagnostic', diagnostic: { kind, connection } }) as DecodedEvent;

function closeOf(connection: number, frame: number, reason = 'fin'): DecodedEvent {
  return {
    type: 'close',
    connection,
    flow: 'x',
    reason,
    frame,
    time: time(1795815000 + frame),
    clientToServer: stats(frame * 3, frame % 2, frame % 5),
    serverToClient: stats(frame * 7),
  } as DecodedEvent;
}

function feed(table: FlowTable, reference: ObjectFlowTable, events: DecodedEvent[]): void {
  for (const event of events) {
    table.add(event);
    reference.add(event);
  }
}

describe('MemoryFlowRowStore', () => {
  it('gives back the last row put per slot, across blocks; slots never put read as zeros', () => {
    const store = new MemoryFlowRowStore();
    const row = (slot: number, version: number) =>
      Float64Array.from({ length: FLOW_ROW_FIELDS }, (_, i) => slot * 1000 + i + version / 10);
    for (const slot of [250, 255, 256, 257, 300, 10000]) store.put(slot, row(slot, 0));
    store.put(256, row(256, 1));
    // A longer array (a view on a block of rows) gives its first FLOW_ROW_FIELDS numbers.
    const longer = new Float64Array(FLOW_ROW_FIELDS * 2).fill(-1);
    longer.set(row(301, 0));
    store.put(301, longer);
    const into = new Float64Array(60 * FLOW_ROW_FIELDS).fill(7);
    store.read(249, 60, into);
    for (let i = 0; i < 60; i++) {
      const slot = 249 + i;
      const got = [...into.subarray(i * FLOW_ROW_FIELDS, (i + 1) * FLOW_ROW_FIELDS)];
      const expected = [250, 255, 257, 300, 301].includes(slot)
        ? [...row(slot, 0)]
        : slot === 256
          ? [...row(256, 1)]
          : new Array(FLOW_ROW_FIELDS).fill(0);
      assert.deepEqual(got, expected, `slot ${slot}`);
    }
    store.read(9999, 2, into);
    assert.deepEqual([...into.subarray(0, FLOW_ROW_FIELDS)], new Array(FLOW_ROW_FIELDS).fill(0));
    assert.deepEqual([...into.subarray(FLOW_ROW_FIELDS, 2 * FLOW_ROW_FIELDS)], [...row(10000, 0)]);
  });
});

describe('FlowTable (open rows in memory, closed rows in the store)', () => {
  it('a connection goes to the store at its close; summaries mix store and memory in open order, read in chunks', () => {
    const store = new RecordingStore();
    const table = new FlowTable({ store });
    const reference = new ObjectFlowTable();
    const events: DecodedEvent[] = [];
    const closed: number[] = [];
    for (let c = 1; c <= 1300; c++) {
      events.push(open(c, c * 10, time(1795813200 + c, c, 6)));
      events.push(item('message', c, c * 10 + 1, time(1795813200 + c, c + 1, 6), 'client-to-server'));
      // Closes out of open order, ten connections behind; every third stays open to the end.
      if (c > 10 && (c - 10) % 3 !== 0) {
        events.push(closeOf(c - 10, c * 10 + 2, c % 2 === 0 ? 'fin' : 'rst'));
        closed.push(c - 10 - 1);
      }
    }
    feed(table, reference, events);
    assert.deepEqual(store.puts, closed);
    assertSameTables(table, reference);
    // Each pass reads the store in three chunks (512 + 512 + 276 rows).
    store.reads.length = 0;
    assert.equal([...table.summaries()].length, 1300);
    assert.deepEqual(store.reads, [
      [0, 512],
      [512, 512],
      [1024, 276],
    ]);
    const flows = table.flows();
    assert.equal(flows[0]!.closeReason, 'rst');
    assert.equal(flows[2]!.closeReason, null);
    assert.equal(flows[1299]!.closeReason, null);
  });

  it('events after a close update the stored row; a reopened id starts afresh in its old place', () => {
    const store = new RecordingStore();
    const table = new FlowTable({ store });
    const reference = new ObjectFlowTable();
    feed(table, reference, [
      open(1, 1, time(1795813201)),
      open(2, 2, time(1795813202)),
      open(3, 3, time(1795813203)),
      diagnosticOn(2, 'tcp-gap'),
      closeOf(2, 4),
      // After the close: counted in the stored row.
      diagnosticOn(2, 'tcp-data-after-close'),
      diagnosticOn(2, 'tcp-gap'),
      item('response', 2, 5, time(1795813205), 'server-to-client'),
      item('error', 2, 6, time(1795813206), 'server-to-client'),
      closeOf(2, 7, 'rst'),
    ]);
    assert.deepEqual(store.puts, [1, 1, 1, 1, 1, 1]);
    assertSameTables(table, reference);
    assert.deepEqual(table.flows()[1]!.anomalies, { 'tcp-gap': 2, 'tcp-data-after-close': 1 });
    // Open again: fresh counts, same place; its stale stored row is not shown while it is open.
    feed(table, reference, [open(2, 8, time(1795813208)), item('request', 2, 9, time(1795813209), 'client-to-server')]);
    assertSameTables(table, reference);
    assert.equal(table.flows()[1]!.closeReason, null);
    assert.deepEqual(table.flows()[1]!.anomalies, {});
    // Closed again: the new row replaces the old one in the store.
    feed(table, reference, [closeOf(2, 10), closeOf(1, 11), open(1, 12, time(1795813212))]);
    assertSameTables(table, reference);
    assert.deepEqual(store.puts, [1, 1, 1, 1, 1, 1, 1, 0]);
    assert.deepEqual(
      table.flows().map((f) => [f.connection, f.closeReason, f.firstFrame]),
      [
        [1, null, 12],
        [2, 'fin', 8],
        [3, null, 3],
      ],
    );
  });

  it('ids that are not dense and increasing: the same summaries as one object per connection', () => {
    // Dense at first (7, 8, 9), then an id out of line, then old and new ids mixed.
    const table = new FlowTable();
    const reference = new ObjectFlowTable();
    const ids = [7, 8, 9, 20, 10, 0, -3, 2 ** 53, 1.5, 9, 8, 11];
    const events: DecodedEvent[] = [];
    ids.forEach((id, i) => {
      events.push(open(id, 100 + i, time(1795813200 + i), `flow ${i}`));
      events.push(item('record', id, 200 + i, time(1795813300 + i), 'server-to-client'));
      if (i % 2 === 0) events.push(closeOf(id, 300 + i));
      events.push(diagnosticOn(id, i % 3 === 0 ? 'heartbeat-missed' : 'tcp-gap'));
    });
    events.push(item('message', 12345, 1, time(1), 'client-to-server'), diagnosticOn(6, 'tcp-gap'));
    feed(table, reference, events);
    assertSameTables(table, reference);
    assert.equal(table.size, 10);
    assert.deepEqual(
      table.flows().map((f) => f.connection),
      [7, 8, 9, 20, 10, 0, -3, 2 ** 53, 1.5, 11],
    );
  });

  it('any sequence of opens, items, diagnostics and closes over any ids (property)', () => {
    const kinds = Object.keys(DIAGNOSTIC_INFO);
    const id = fc.constantFrom(1, 2, 3, 4, 5, 6, 0, 9, 100, -1, 2.5);
    const step = fc.oneof(
      fc.record({ op: fc.constant('open' as const), id }),
      fc.record({ op: fc.constant('close' as const), id }),
      fc.record({
        op: fc.constantFrom('message' as const, 'request' as const, 'response' as const, 'error' as const),
        id,
        back: fc.boolean(),
      }),
      fc.record({ op: fc.constant('diagnostic' as const), id, kind: fc.constantFrom(...kinds) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const table = new FlowTable({ store: new RecordingStore() });
        const reference = new ObjectFlowTable();
        const events = steps.map((s, frame): DecodedEvent => {
          const at = time(1795813200 + frame, frame, 6);
          if (s.op === 'open') return open(s.id, frame, at);
          if (s.op === 'close') return closeOf(s.id, frame);
          if (s.op === 'diagnostic') return diagnosticOn(s.id, s.kind);
          return item(s.op, s.id, frame, at, s.back ? 'server-to-client' : 'client-to-server');
        });
        feed(table, reference, events);
        assertSameTables(table, reference);
      }),
      { numRuns: 300 },
    );
  });

  it('anomaly counts: any count in a fixed row, every kind in the order first seen', () => {
    const store = new RecordingStore();
    const table = new FlowTable({ store });
    const reference = new ObjectFlowTable();
    const kinds = Object.keys(DIAGNOSTIC_INFO).reverse();
    const events: DecodedEvent[] = [open(1, 1, time(1795813200)), open(2, 2, time(1795813200))];
    for (let i = 0; i < 100_000; i++) events.push(diagnosticOn(1, 'tcp-retransmission-unchecked'));
    kinds.forEach((kind, i) => {
      for (let n = 0; n <= i; n++) events.push(diagnosticOn(2, kind));
    });
    events.push(closeOf(2, 3));
    for (const kind of kinds) events.push(diagnosticOn(2, kind));
    feed(table, reference, events);
    assertSameTables(table, reference);
    const [one, two] = table.flows();
    assert.deepEqual(one!.anomalies, { 'tcp-retransmission-unchecked': 100_000 });
    assert.deepEqual(Object.keys(two!.anomalies), kinds);
    assert.deepEqual(
      Object.values(two!.anomalies),
      kinds.map((_, i) => i + 2),
    );
  });

  it('a kind missing from DIAGNOSTIC_INFO (not from the pipeline) is counted, after the known kinds', () => {
    const table = new FlowTable();
    feed(table, new ObjectFlowTable(), [
      open(1, 1, time(1795813200)),
      diagnosticOn(1, 'made-up-kind'),
      diagnosticOn(1, 'tcp-gap'),
      diagnosticOn(1, 'made-up-kind'),
      closeOf(1, 2),
      diagnosticOn(1, 'made-up-kind'),
      open(2, 3, time(1795813200)),
      diagnosticOn(2, 'made-up-kind'),
      // Reopened: the odd counts start again too.
      open(2, 4, time(1795813200)),
      diagnosticOn(2, 'tcp-gap'),
    ]);
    assert.deepEqual(
      table.flows().map((f) => f.anomalies),
      [{ 'tcp-gap': 1, 'made-up-kind': 3 }, { 'tcp-gap': 1 }],
    );
  });
});
