import type { HttpHeader, HttpMessage } from '../http/index.ts';
import type { ConnectionInfo } from './connection-info.ts';

/** A plain HTTP request (not a libprocess message) received by an endpoint. */
export interface RouteRequest {
  readonly method: string;
  /** The request target as sent. */
  readonly target: string;
  /** The path part of the target (absolute-form targets reduced to their path), without query or fragment. */
  readonly path: string;
  /** The query string without `?` ('' when none). */
  readonly query: string;
  readonly headers: readonly HttpHeader[];
  readonly body: Uint8Array;
  /** The decoded request with its absolute offsets on the connection. */
  readonly message: HttpMessage;
  readonly connection: ConnectionInfo;
}

/** A whole response. `body` strings are sent as UTF-8; `Content-Length` and `Date` are added. */
export interface RouteResponse {
  readonly status: number;
  readonly reason?: string;
  /** Extra headers, in order, as `[name, value]`. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: Uint8Array | string;
}

/** A chunked response being written: pieces go out in order, after the responses to earlier requests. */
export interface ResponseStream {
  /** Sends one chunk (empty pieces are skipped: an empty chunk would end the body). False once closed. */
  write(piece: Uint8Array | string): boolean;
  /** Writes the last chunk. */
  end(): void;
  /** True once ended or the connection is gone. */
  readonly closed: boolean;
  /**
   * Calls `listener` once when the client goes away while the stream is open: its socket closed, or it sent FIN
   * (half-close). Not called after `end()`. Returns a function removing the listener.
   */
  onClose(listener: () => void): () => void;
}

/** Lets a handler answer with a streaming (chunked) body instead of returning a `RouteResponse`. */
export interface RouteReply {
  stream(status: number, headers?: readonly (readonly [string, string])[]): ResponseStream;
}

/**
 * Handles one request: return (or resolve to) a response, or call `reply.stream()` and return undefined.
 * A handler that throws or rejects gets a 500 response.
 */
export type RouteHandler = (
  request: RouteRequest,
  reply: RouteReply,
) => RouteResponse | undefined | Promise<RouteResponse | undefined>;

/**
 * A small router for the plain HTTP side of an endpoint (Mesos serves endpoints and messages on one port):
 * exact method + path. `'*'` as the method matches any method. Unknown routes are answered 404 by the endpoint.
 */
export class HttpRouter {
  private readonly routes = new Map<string, Map<string, RouteHandler>>();

  /** Adds (or replaces) the handler of `method path`. */
  add(method: string, path: string, handler: RouteHandler): this {
    let byMethod = this.routes.get(path);
    if (byMethod === undefined) this.routes.set(path, (byMethod = new Map()));
    byMethod.set(method.toUpperCase(), handler);
    return this;
  }

  get(path: string, handler: RouteHandler): this {
    return this.add('GET', path, handler);
  }

  post(path: string, handler: RouteHandler): this {
    return this.add('POST', path, handler);
  }

  /** Removes a route; true when there was one. */
  remove(method: string, path: string): boolean {
    return this.routes.get(path)?.delete(method.toUpperCase()) ?? false;
  }

  /** The handler for `method path`, or undefined. */
  match(method: string, path: string): RouteHandler | undefined {
    const byMethod = this.routes.get(path);
    return byMethod?.get(method) ?? byMethod?.get('*');
  }
}
