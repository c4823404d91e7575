import { open } from 'node:fs/promises';
import { AutoCaptureReader, type CaptureFormat } from './detect.ts';
import type { CapturedPacket } from './packet.ts';
import type { CaptureReaderOptions } from './pcap-reader.ts';

/**
 * Bytes read from disk at a time by default. Small on purpose: decoding a chunk allocates about 8x its size in
 * short-lived objects, and a chunk that lives through two young-generation collections is promoted, so its memory
 * waits for a full GC. 64 KiB chunks mostly die young; with 256 KiB ones a 1 GB capture held ~45 MiB of dead chunks.
 */
export const READ_CHUNK_BYTES_DEFAULT = 64 * 1024;

/** Options of readCaptureFile. */
export interface ReadCaptureFileOptions extends CaptureReaderOptions {
  /** Bytes read from disk at a time (default READ_CHUNK_BYTES_DEFAULT, 64 KiB). */
  chunkBytes?: number;
}

/** What readCaptureFile saw. */
export interface ReadCaptureFileResult {
  format: CaptureFormat | undefined;
  packets: number;
  bytes: number;
}

/**
 * Streams a pcap or pcapng file from disk into `onPacket`, one chunk at a time (the
 * file is never loaded whole). Each chunk is a fresh buffer, so packet views stay valid
 * after the callback (the packet object itself only during it, with `transientPackets`).
 * All complete packets are delivered before an error is thrown.
 */
export async function readCaptureFile(
  path: string,
  onPacket: (packet: CapturedPacket) => void,
  options: ReadCaptureFileOptions = {},
): Promise<ReadCaptureFileResult> {
  const chunkBytes = options.chunkBytes ?? READ_CHUNK_BYTES_DEFAULT;
  const reader = new AutoCaptureReader(options);
  const handle = await open(path, 'r');
  let bytes = 0;
  // One read ahead: the disk works on the next chunk while this one is decoded.
  const readAt = (position: number) => handle.read(new Uint8Array(chunkBytes), 0, chunkBytes, position);
  let next = readAt(0);
  try {
    for (;;) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) break;
      bytes += bytesRead;
      next = readAt(bytes);
      reader.write(bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead), onPacket);
    }
    reader.end();
  } finally {
    // A read still in flight (after an error) must finish before the handle closes.
    await next.catch(() => undefined);
    await handle.close();
  }
  return { format: reader.format, packets: reader.packets, bytes };
}
