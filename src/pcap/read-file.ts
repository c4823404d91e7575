import { open } from 'node:fs/promises';
import { AutoCaptureReader, type CaptureFormat } from './detect.ts';
import type { CapturedPacket } from './packet.ts';
import type { CaptureReaderOptions } from './pcap-reader.ts';

/** Options of readCaptureFile. */
export interface ReadCaptureFileOptions extends CaptureReaderOptions {
  /** Bytes read from disk at a time (default 256 KiB). */
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
 * after the callback. All complete packets are delivered before an error is thrown.
 */
export async function readCaptureFile(
  path: string,
  onPacket: (packet: CapturedPacket) => void,
  options: ReadCaptureFileOptions = {},
): Promise<ReadCaptureFileResult> {
  // 256 KiB: as fast as 1 MiB, and a 1.1 GB capture peaked at ~175 MiB RSS against 240-265 MiB with 1 MiB reads
  // (read buffers pinned by views wait for a full GC; smaller ones pin less).
  const chunkBytes = options.chunkBytes ?? 256 * 1024;
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
