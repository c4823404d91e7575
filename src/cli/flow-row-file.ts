/**
 * A FlowRowStore in a temporary file, for `mesos-wire flows`: the rows of closed connections wait on disk, so the
 * command's memory does not grow with the capture (a long capture has tens of thousands of connections per GB).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FLOW_ROW_FIELDS, type FlowRowStore } from '../analysis/flows.ts';

/** Bytes of one row in the file: slot `s` is at `s * ROW_BYTES`. */
const ROW_BYTES = FLOW_ROW_FIELDS * Float64Array.BYTES_PER_ELEMENT;

/** Name of the directory made for the file (removed again at once where the system allows). */
const DIRECTORY_PREFIX = 'mesos-wire-flow-rows-';

/**
 * Fixed-size rows at `slot * ROW_BYTES` of a file that has no name: it is made in a new directory under the given
 * one, then the file and the directory are removed while the file stays open (where the system refuses, `close`
 * removes them). `close` when done, also after an error.
 */
export class FlowRowFile implements FlowRowStore {
  /** -1 once closed: a use after that throws (RangeError) instead of reaching a descriptor reused since. */
  private fd: number;
  /** The directory still to remove at close (only where removing an open file failed). */
  private leftover: string | undefined;

  private constructor(fd: number, leftover: string | undefined) {
    this.fd = fd;
    this.leftover = leftover;
  }

  /** Makes the file under `parent` (a temporary directory); throws what the file system throws. */
  static create(parent: string): FlowRowFile {
    const directory = mkdtempSync(join(parent, DIRECTORY_PREFIX));
    let fd: number | undefined;
    try {
      const path = join(directory, 'rows');
      fd = openSync(path, 'wx+', 0o600);
      try {
        unlinkSync(path);
        rmdirSync(directory);
        return new FlowRowFile(fd, undefined);
      } catch {
        return new FlowRowFile(fd, directory);
      }
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      rmSync(directory, { recursive: true, force: true });
      throw error;
    }
  }

  put(slot: number, row: Float64Array): void {
    const bytes = new Uint8Array(row.buffer, row.byteOffset, ROW_BYTES);
    for (let done = 0; done < ROW_BYTES; ) {
      done += writeSync(this.fd, bytes, done, ROW_BYTES - done, slot * ROW_BYTES + done);
    }
  }

  read(first: number, count: number, into: Float64Array): void {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, count * ROW_BYTES);
    let done = 0;
    while (done < bytes.length) {
      const read = readSync(this.fd, bytes, done, bytes.length - done, first * ROW_BYTES + done);
      if (read === 0) break;
      done += read;
    }
    // Past the end of the file: rows never put.
    bytes.fill(0, done);
  }

  /** Closes the file (and removes what is left of it); the store cannot be used after. Safe to call twice. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.leftover !== undefined) rmSync(this.leftover, { recursive: true, force: true });
    this.leftover = undefined;
  }
}
