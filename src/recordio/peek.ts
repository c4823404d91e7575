import { LF } from '../bytes/ascii.ts';
import { mwError } from '../errors.ts';
import { MAX_LENGTH_DIGITS, MAX_RECORD_BYTES_DEFAULT } from './decoder.ts';

/** A complete length line found by `peekRecordLength`. */
export interface RecordIoPeek {
  /** Record length announced by the line. */
  length: number;
  /** Index in the input of the first data byte (just after the `\n`). */
  dataOffset: number;
  /** True when `length` data bytes are present after the line. */
  complete: boolean;
}

/**
 * Reads the length line at the start of `bytes` without consuming anything
 * (pure, like protobuf-es `sizeDelimitedPeek`). Returns undefined when the
 * line is not complete yet (and not yet invalid); throws the same
 * MesosWireError the decoder would (offsets relative to `bytes`, plus
 * `startOffset`). Strict decimal only.
 */
export function peekRecordLength(
  bytes: Uint8Array,
  options: { maxRecordBytes?: number; startOffset?: number } = {},
): RecordIoPeek | undefined {
  const max = options.maxRecordBytes ?? MAX_RECORD_BYTES_DEFAULT;
  const base = options.startOffset ?? 0;
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === LF) {
      if (i === 0) throw mwError('MW_RECORDIO_BAD_LENGTH', 'empty length line', { offset: base });
      return { length, dataOffset: i + 1, complete: bytes.length - (i + 1) >= length };
    }
    if (c < 0x30 || c > 0x39) {
      throw mwError('MW_RECORDIO_BAD_LENGTH', `length line has a non-digit byte 0x${c.toString(16).padStart(2, '0')}`, {
        offset: base + i,
      });
    }
    if (i >= MAX_LENGTH_DIGITS) {
      throw mwError('MW_RECORDIO_LENGTH_OVERFLOW', `length has more than ${MAX_LENGTH_DIGITS} digits`, {
        offset: base + i,
      });
    }
    length = length * 10 + (c - 0x30);
    if (length > max) {
      throw mwError('MW_RECORDIO_RECORD_TOO_LARGE', `record length exceeds maxRecordBytes (${max})`, {
        offset: base,
        detail: { maxRecordBytes: max },
      });
    }
  }
  return undefined;
}
