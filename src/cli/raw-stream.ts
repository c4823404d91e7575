/**
 * The raw-stream decoder the CLI uses (`decode`, `stats`) lives in the pipeline layer; it is re-exported here for the
 * commands and the benchmarks that import it from the CLI.
 */
export { httpEvent } from '../pipeline/message-event.ts';
export { type RawInputKind, RawStreamDecoder, type RawStreamOptions } from '../pipeline/raw-stream.ts';
