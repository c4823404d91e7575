/**
 * The raw-stream decoder lives in the pipeline layer (src/pipeline/raw-stream.ts); re-exported here for the
 * commands (`listen`, `mock-master`) and the benchmarks that import it from the CLI.
 */
export { httpEvent } from '../pipeline/message-event.ts';
export { type RawInputKind, RawStreamDecoder, type RawStreamOptions } from '../pipeline/raw-stream.ts';
