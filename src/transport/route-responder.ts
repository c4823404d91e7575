import { mwError } from '../errors.ts';
import {
  encodeChunk,
  encodeLastChunk,
  encodeResponse,
  type HttpHeader,
  type HttpRequestMessage,
  STATUS_REASONS,
} from '../http/index.ts';
import { encodeInternalServerErrorResponse, encodeNotFoundResponse } from '../libprocess/index.ts';
import type { ConnectionInfo } from './connection-info.ts';
import type { HttpDateClock } from './http-date.ts';
import type { HttpRouter, ResponseStream, RouteResponse } from './http-router.ts';
import type { ResponseSlot } from './inbound-connection.ts';

const utf8 = new TextEncoder();

/**
 * Answers the plain HTTP requests of an endpoint from its router: 404 without a route, the handler's response
 * (Date and Content-Length added) or its chunked stream, 500 when the handler throws, rejects or returns
 * something that cannot be encoded. Handler failures go to `onError` (the endpoint's `'handler-error'`).
 */
export class RouteResponder {
  private readonly router: HttpRouter;
  private readonly clock: HttpDateClock;
  private readonly onError: (error: unknown) => void;

  constructor(router: HttpRouter, clock: HttpDateClock, onError: (error: unknown) => void) {
    this.router = router;
    this.clock = clock;
    this.onError = onError;
  }

  /** Answers `request` (already classified as not a message, `path` without query) into `slot`. */
  serve(
    request: HttpRequestMessage,
    body: Uint8Array,
    path: string,
    slot: ResponseSlot,
    connection: ConnectionInfo,
  ): void {
    const handler = this.router.match(request.method, path);
    if (handler === undefined) {
      slot.send(encodeNotFoundResponse({ date: this.clock.now() }));
      return;
    }
    const question = request.target.indexOf('?');
    const hash = request.target.indexOf('#');
    const query = question < 0 ? '' : request.target.slice(question + 1, hash > question ? hash : undefined);
    let streaming = false;
    const reply = {
      stream: (status: number, headers: readonly (readonly [string, string])[] = []): ResponseStream => {
        streaming = true;
        return this.openStream(slot, status, headers);
      },
    };
    const fail = (error: unknown): void => {
      this.onError(error);
      if (streaming) slot.finish();
      else {
        const text = String((error as Error)?.message ?? error);
        slot.send(encodeInternalServerErrorResponse(text, { date: this.clock.now() }));
      }
    };
    const settle = (response: RouteResponse | undefined): void => {
      try {
        if (response !== undefined) slot.send(this.encode(response));
        else if (!streaming) fail(mwError('MW_INTERNAL', 'route handler returned no response and opened no stream'));
      } catch (error) {
        // e.g. a status the encoder refuses; also keeps an async handler's result from becoming unhandled.
        fail(error);
      }
    };
    try {
      const result = handler(
        {
          method: request.method,
          target: request.target,
          path,
          query,
          headers: request.headers,
          body,
          message: request,
          connection,
        },
        reply,
      );
      if (result instanceof Promise) result.then(settle, fail);
      else settle(result);
    } catch (error) {
      fail(error);
    }
  }

  private openStream(
    slot: ResponseSlot,
    status: number,
    headers: readonly (readonly [string, string])[],
  ): ResponseStream {
    const head = encodeResponse({
      status,
      reason: STATUS_REASONS[status] ?? '',
      headers: [
        { name: 'Date', value: this.clock.now().toUTCString() },
        ...headers.map(([name, value]): HttpHeader => ({ name, value })),
        { name: 'Transfer-Encoding', value: 'chunked' },
      ],
    });
    slot.write(head);
    let ended = false;
    return {
      write(piece) {
        if (ended) return false;
        const bytes = typeof piece === 'string' ? utf8.encode(piece) : piece;
        // An empty chunk would end the body.
        if (bytes.length === 0) return !slot.closed;
        return slot.write(encodeChunk(bytes));
      },
      end() {
        if (ended) return;
        ended = true;
        slot.finish(encodeLastChunk());
      },
      get closed() {
        return ended || slot.closed;
      },
      onClose(listener) {
        return slot.onClose(() => {
          if (!ended) listener();
        });
      },
    };
  }

  /** A whole response: the handler's headers between `Date` and `Content-Length`. */
  private encode(response: RouteResponse): Uint8Array {
    const body = typeof response.body === 'string' ? utf8.encode(response.body) : (response.body ?? new Uint8Array(0));
    return encodeResponse({
      status: response.status,
      reason: response.reason ?? STATUS_REASONS[response.status] ?? '',
      headers: [
        { name: 'Date', value: this.clock.now().toUTCString() },
        ...(response.headers ?? []).map(([name, value]): HttpHeader => ({ name, value })),
        { name: 'Content-Length', value: String(body.length) },
      ],
      body,
    });
  }
}
