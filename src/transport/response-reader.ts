import type { MesosWireError } from '../errors.ts';
import { HttpDecoder } from '../http/index.ts';
import type { ResponseReaderFactory } from './peer-connection.ts';

/** Reads responses on outbound connections with the project's HTTP decoder; bodies are discarded. */
export const readResponsesWithHttpDecoder: ResponseReaderFactory = (onResponse, onError) => {
  let failed = false;
  const decoder = new HttpDecoder(
    { onMessage: (message) => (message.kind === 'response' ? onResponse(message.status) : undefined) },
    // Bodies are discarded, never collected: a peer cannot make the sender buffer a large answer.
    { expect: 'response', streamBodies: true },
  );
  return {
    write(bytes) {
      if (failed) return;
      try {
        decoder.write(bytes);
      } catch (error) {
        failed = true;
        onError(error as MesosWireError);
      }
    },
    end() {
      if (failed) return;
      try {
        decoder.end();
      } catch {
        // A response cut off by the close: the messages it answered are reported unanswered.
      }
    },
  };
};
