/** Shared helpers of the capture tests. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { latin1String } from '../../src/bytes/ascii.ts';
import { isMesosWireError, type MesosWireError } from '../../src/errors.ts';
import type { CapturedPacket, CaptureReader, TcpEvent, TcpReassemblerOptions } from '../../src/pcap/index.ts';
import { AutoCaptureReader, TcpReassembler } from '../../src/pcap/index.ts';
import { toHexString } from '../helpers/bytes.ts';

/** What a test compares: every field of a packet, data as hex, time as ISO text. */
export function describePacket(p: CapturedPacket) {
  return {
    index: p.index,
    fileOffset: p.fileOffset,
    section: p.section,
    interface: p.interface,
    linkType: p.linkType,
    time: p.timestamp.toISOString(),
    capturedLength: p.capturedLength,
    originalLength: p.originalLength,
    data: toHexString(p.data),
  };
}

/** Feeds pieces; returns the packets delivered and the error thrown (by write or end), if any. */
export function feed(reader: CaptureReader, pieces: Uint8Array[]) {
  const packets: ReturnType<typeof describePacket>[] = [];
  let error: MesosWireError | undefined;
  let afterError = 0;
  try {
    for (const piece of pieces) reader.write(piece, (p) => packets.push(describePacket(p)));
    reader.end();
  } catch (e) {
    assert.ok(isMesosWireError(e), `not a MesosWireError: ${e}`);
    error = e;
    // Failure is terminal: later writes re-throw the same error and deliver nothing.
    assert.throws(
      () => reader.write(new Uint8Array(64), () => afterError++),
      (again) => again === e,
    );
  }
  assert.equal(afterError, 0);
  return { packets, error };
}

/** A compact, comparable record of what the reassembler reported for a capture. */
export interface ReassemblyLog {
  /** Stream contents per `connection stream`, gaps written as ⟨gap N reason⟩. */
  streams: Record<string, string>;
  /** open/close/diagnostic events, one line each, in order. */
  events: string[];
}

/** Reads a whole capture (any format) and reassembles it. */
export function reassemble(bytes: Uint8Array, options: TcpReassemblerOptions = {}): ReassemblyLog {
  const log: ReassemblyLog = { streams: {}, events: [] };
  const reassembler = new TcpReassembler((event) => recordEvent(log, event), options);
  const reader = new AutoCaptureReader();
  reader.write(bytes, (p) => reassembler.push(p));
  reader.end();
  reassembler.end();
  return log;
}

export function recordEvent(log: ReassemblyLog, event: TcpEvent): void {
  switch (event.kind) {
    case 'data': {
      const key = `${event.connection} ${event.stream}`;
      log.streams[key] = (log.streams[key] ?? '') + latin1String(event.bytes);
      return;
    }
    case 'gap': {
      const key = `${event.connection} ${event.stream}`;
      log.streams[key] = `${log.streams[key] ?? ''}⟨gap ${event.length} ${event.reason}⟩`;
      return;
    }
    case 'open':
      log.events.push(
        `open #${event.connection} ${event.flow}${event.midstream ? ' midstream' : ''} frame ${event.packet.index}`,
      );
      return;
    case 'close':
      log.events.push(
        `close #${event.connection} ${event.reason} c2s=${event.clientToServer.bytes} s2c=${event.serverToClient.bytes} ` +
          `retrans=${event.clientToServer.retransmissions + event.serverToClient.retransmissions}`,
      );
      return;
    case 'diagnostic': {
      const { kind, ...rest } = event.diagnostic;
      const fields = Object.entries(rest)
        .filter(([k]) => k !== 'flow')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      log.events.push(`${kind} ${fields}`);
      return;
    }
  }
}

/** The committed pcap and pcapng files of fixtures/pcap/<dir> for each dir given, with their file names. */
export function readNamedCaptureFixtures(...dirs: string[]): { name: string; bytes: Uint8Array }[] {
  const root = join(import.meta.dirname, '..', '..', 'fixtures', 'pcap');
  return dirs.flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((name) => /\.pcap(ng)?$/.test(name))
      .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(root, dir, name))) })),
  );
}

/** The committed pcap and pcapng files of fixtures/pcap/<dir> for each dir given, as bytes. */
export function readCaptureFixtures(...dirs: string[]): Uint8Array[] {
  return readNamedCaptureFixtures(...dirs).map((f) => f.bytes);
}
