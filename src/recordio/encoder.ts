/**
 * RecordIO encoding: the decimal length in ASCII, `\n`, then the bytes
 * (`"hello!"` -> `6\nhello!`, `""` -> `0\n`); see wire-protocol.md §4.3.
 */

const utf8 = new TextEncoder();

/** Frames one record. Strings are encoded as UTF-8. */
export function encodeRecord(record: Uint8Array | string): Uint8Array {
  const data = typeof record === 'string' ? utf8.encode(record) : record;
  const header = `${data.length}\n`;
  const out = new Uint8Array(header.length + data.length);
  for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
  out.set(data, header.length);
  return out;
}

/** The framing header alone (`<length>\n`), for writers that send the data separately without copying it. */
export function encodeRecordHeader(length: number): Uint8Array {
  const header = `${length}\n`;
  const out = new Uint8Array(header.length);
  for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
  return out;
}

/**
 * Stateless RecordIO encoder, the counterpart of `RecordIoDecoder`; counts the
 * bytes it has produced so callers can report offsets.
 */
export class RecordIoEncoder {
  /** Bytes produced so far. */
  bytesWritten = 0;

  /** Frames one record. */
  encode(record: Uint8Array | string): Uint8Array {
    const out = encodeRecord(record);
    this.bytesWritten += out.length;
    return out;
  }

  /** Frames several records into one array. */
  encodeAll(records: Iterable<Uint8Array | string>): Uint8Array {
    const parts = Array.from(records, (r) => this.encode(r));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
