/** Shared helpers of the capture tests. */
import assert from 'node:assert/strict';
import { isMesosWireError, type MesosWireError } from '../../src/errors.ts';
import type { CapturedPacket, CaptureReader } from '../../src/pcap/index.ts';
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

