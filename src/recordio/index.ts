export type { RecordIoDecoderOptions, RecordIoRecordHandler } from './decoder.ts';
export { MAX_LENGTH_DIGITS, MAX_RECORD_BYTES_DEFAULT, RecordIoDecoder } from './decoder.ts';
export { encodeRecord, encodeRecordHeader, RecordIoEncoder } from './encoder.ts';
export type { RecordIoRecord } from './iterate.ts';
export { iterateRecords } from './iterate.ts';
export type { RecordIoPeek } from './peek.ts';
export { peekRecordLength } from './peek.ts';
