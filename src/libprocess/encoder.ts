import { mwError } from '../errors.ts';
import { encodeRequest } from '../http/encoder.ts';
import type { HttpHeader } from '../http/types.ts';
import { formatUpid, formatUpidAddress, parseUpid, type Upid } from './upid.ts';

/**
 * How a message is framed, by the era of the sender (wire-protocol.md §1.3-1.5):
 *
 * - `mesos-0.21`: releases up to 0.21.x. `HTTP/1.0`, `User-Agent` and `Connection: Keep-Alive` only
 *   (no `Host`, no `Libprocess-From`), chunked body.
 * - `mesos-1.11` (default): every release 0.22.0-1.11.x. `HTTP/1.1`, `User-Agent`, `Libprocess-From`,
 *   `Connection: Keep-Alive`, an empty `Host: `, chunked body.
 * - `mesos-1.12`: master after 2020-12-14 (1.12-dev). As 1.11 but `Host: <recipient ip:port>`.
 * - `content-length`: how third-party senders frame (mesos-go's v0 messenger uses Go's net/http client):
 *   `Host: <recipient>`, `User-Agent: Go-http-client/1.1`, `Content-Length: N`, `Connection: Keep-Alive`,
 *   `Content-Type: application/x-protobuf`, `Libprocess-From: <from>`, `Accept-Encoding: gzip`, in Go's
 *   write order (Host, User-Agent, Content-Length, then the request's own headers sorted by name, then the
 *   transport's Accept-Encoding). Go writes `Content-Length: 0` for an empty POST body.
 *
 * libprocess styles write a non-empty body as ONE chunk with a lowercase hex size; an empty body gets no
 * Transfer-Encoding and no Content-Length at all.
 */
export type MessageStyle = 'mesos-0.21' | 'mesos-1.11' | 'mesos-1.12' | 'content-length';

/** Every style, default first. */
export const MESSAGE_STYLES: readonly MessageStyle[] = ['mesos-1.11', 'mesos-1.12', 'mesos-0.21', 'content-length'];

/** A libprocess message to encode. UPIDs may be given as text (parsed strictly). */
export interface OutgoingMessage {
  /** Message name, e.g. `mesos.internal.PingSlaveMessage` (written verbatim into the path). */
  name: string;
  from: Upid | string;
  to: Upid | string;
  /** Body bytes (serialized protobuf); empty when absent. */
  body?: Uint8Array;
}

/**
 * Encodes a message byte for byte as a sender of the given era writes it
 * (on top of the HTTP encoder of src/http, which writes headers exactly as given).
 * Throws `MW_LIBPROCESS_BAD_NAME` when the name or receiver id cannot be
 * written into a request line (space, control or non-ASCII bytes), and the
 * UPID errors for malformed UPID text.
 */
export function encodeMessage(message: OutgoingMessage, style: MessageStyle = 'mesos-1.11'): Uint8Array {
  const from = typeof message.from === 'string' ? parseUpid(message.from) : message.from;
  const to = typeof message.to === 'string' ? parseUpid(message.to) : message.to;
  const body = message.body ?? new Uint8Array(0);
  const target = messagePath(to.id, message.name);
  const fromText = formatUpid(from);
  // libprocess: one lowercase-hex chunk for a non-empty body; nothing at all (no framing header) for an empty one.
  const chunked = body.length > 0;
  const transferEncoding: HttpHeader[] = chunked ? [{ name: 'Transfer-Encoding', value: 'chunked' }] : [];
  const framing = chunked ? 'chunked' : 'none';
  switch (style) {
    case 'mesos-0.21':
      return encodeRequest({
        method: 'POST',
        target,
        version: '1.0',
        headers: [
          { name: 'User-Agent', value: `libprocess/${fromText}` },
          { name: 'Connection', value: 'Keep-Alive' },
          ...transferEncoding,
        ],
        body,
        framing,
      });
    case 'mesos-1.11':
    case 'mesos-1.12':
      return encodeRequest({
        method: 'POST',
        target,
        headers: [
          { name: 'User-Agent', value: `libprocess/${fromText}` },
          { name: 'Libprocess-From', value: fromText },
          { name: 'Connection', value: 'Keep-Alive' },
          { name: 'Host', value: style === 'mesos-1.12' ? formatUpidAddress(to) : '' },
          ...transferEncoding,
        ],
        body,
        framing,
      });
    case 'content-length':
      return encodeRequest({
        method: 'POST',
        target,
        headers: [
          { name: 'Host', value: formatUpidAddress(to) },
          { name: 'User-Agent', value: 'Go-http-client/1.1' },
          { name: 'Content-Length', value: String(body.length) },
          { name: 'Connection', value: 'Keep-Alive' },
          { name: 'Content-Type', value: 'application/x-protobuf' },
          { name: 'Libprocess-From', value: fromText },
          { name: 'Accept-Encoding', value: 'gzip' },
        ],
        body,
        framing: 'content-length',
      });
    default:
      throw mwError('MW_INVALID_ARGUMENT', `unknown message style "${String(style)}"`);
  }
}

/**
 * The request path for a message: `/<id>/<name>`, or `/<name>` when the
 * receiver id is empty (libprocess avoids `//` since 0.19.0). Both parts are
 * written verbatim, not percent-encoded, as libprocess does.
 */
export function messagePath(receiverId: string, name: string): string {
  checkPathPart(receiverId, 'receiver id', 0);
  checkPathPart(name, 'message name', receiverId.length === 0 ? 1 : receiverId.length + 2);
  return receiverId.length === 0 ? `/${name}` : `/${receiverId}/${name}`;
}

function checkPathPart(text: string, what: string, base: number): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A space ends the request target; control bytes cannot be sent; non-ASCII is not a valid target byte.
    if (c <= 0x20 || c >= 0x7f) {
      throw mwError('MW_LIBPROCESS_BAD_NAME', `${what} has a byte that cannot go into a request line (code ${c})`, {
        offset: base + i,
      });
    }
  }
}
