import { RecordIoDecoder, type RecordIoDecoderOptions } from './decoder.ts';

/** One decoded record with its absolute offsets. */
export interface RecordIoRecord {
  /** The record bytes (a view into a source chunk when it lay inside one). */
  data: Uint8Array;
  /** Absolute offset of the record's length line. */
  offset: number;
  /** Absolute offset of the first data byte. */
  dataOffset: number;
}

/**
 * Async-iterator adapter over `RecordIoDecoder`: yields the records of a
 * stream of byte chunks (a Node Readable, a fetch body, ...). Throws the
 * decoder's MesosWireError after yielding every record that preceded the bad
 * bytes, and `MW_RECORDIO_TRUNCATED` when the source ends inside a record.
 * No parsing happens here.
 */
export async function* iterateRecords(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options?: RecordIoDecoderOptions,
): AsyncGenerator<RecordIoRecord, void, undefined> {
  const decoder = new RecordIoDecoder(options);
  let ready: RecordIoRecord[] = [];
  const collect = (data: Uint8Array, offset: number, dataOffset: number): void => {
    ready.push({ data, offset, dataOffset });
  };
  for await (const chunk of source) {
    let failure: unknown;
    try {
      decoder.write(chunk, collect);
    } catch (error) {
      failure = error;
    }
    const batch = ready;
    ready = [];
    yield* batch;
    if (failure !== undefined) throw failure;
  }
  decoder.end();
}
