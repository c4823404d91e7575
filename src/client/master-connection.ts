/**
 * POSTs to a Mesos master over undici, following the master's leader redirects. Proxies are chosen as undici's
 * `EnvHttpProxyAgent` chooses them (HTTP_PROXY / HTTPS_PROXY / NO_PROXY, lower case first), except that a master
 * on a loopback address (localhost, 127.0.0.0/8, ::1) is always reached directly: a proxy cannot reach the
 * caller's own loopback, so sending a local master through it is never what was meant.
 */
import { Agent, type Dispatcher, EnvHttpProxyAgent, request } from 'undici';
import { type MesosWireError, mwError } from '../errors.ts';

/** Options of `MasterConnection`. */
export interface MasterConnectionOptions {
  /** Dispatcher for every request (default: loopback direct, others through `EnvHttpProxyAgent`). */
  dispatcher?: Dispatcher;
  /** Leader redirects (307) followed per request (default 5). */
  maxRedirects?: number;
}

/** A response whose body is still to be read. */
export interface MasterResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Dispatcher.ResponseData['body'];
  /** Where the request finally went (after redirects). */
  readonly url: URL;
}

/** True for hosts on the loopback interface. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.+)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
}

/**
 * Connections per master of the default dispatchers: an event stream holds one for its lifetime, calls share the
 * others (kept alive). Unbounded, a burst of calls (acknowledgements) would open a connection each.
 */
export const MAX_CONNECTIONS_PER_MASTER = 16;

/** The default dispatcher choice (see the file comment). */
export class MasterDispatchers {
  readonly #direct = new Agent({ connections: MAX_CONNECTIONS_PER_MASTER });
  #env: EnvHttpProxyAgent | undefined;

  /** The dispatcher for a URL. */
  forUrl(url: URL): Dispatcher {
    if (isLoopbackHost(url.hostname)) return this.#direct;
    this.#env ??= new EnvHttpProxyAgent({ connections: MAX_CONNECTIONS_PER_MASTER });
    return this.#env;
  }

  /** Closes the agents. */
  async close(): Promise<void> {
    await Promise.all([this.#direct.close(), this.#env?.close()]);
  }
}

/** The first value of a response header. */
export function headerValue(headers: MasterResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** The error for a non-2xx answer: status and body text in `detail`. */
export async function statusError(response: MasterResponse, what: string): Promise<MesosWireError> {
  const text = new TextDecoder().decode(await readBody(response.body));
  return mwError(
    'MW_CLIENT_HTTP_STATUS',
    `${what}: ${response.statusCode}${text === '' ? '' : ` ${JSON.stringify(text)}`} from ${response.url.origin}`,
    { detail: { status: response.statusCode, body: text } },
  );
}

/** Throws unless a SUBSCRIBE answer is a 200 event stream in the requested media type (the body is drained then). */
export async function expectEventStream(response: MasterResponse, media: string): Promise<void> {
  if (response.statusCode !== 200) throw await statusError(response, 'SUBSCRIBE answered');
  const contentType = headerValue(response.headers, 'content-type');
  if (contentType !== media) {
    await response.body.dump();
    throw mwError('MW_CLIENT_PROTOCOL', `event stream Content-Type is ${contentType ?? 'missing'}, expected ${media}`);
  }
}

/**
 * Parses a master URL (`http://host:port`, `host:port` or `//host:port`). The path part is ignored: the API paths
 * are fixed.
 * @throws MesosWireError MW_INVALID_ARGUMENT
 */
export function parseMasterUrl(master: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(master)
    ? master
    : master.startsWith('//')
      ? `http:${master}`
      : `http://${master}`;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported scheme ${url.protocol}`);
    return new URL(url.origin);
  } catch (error) {
    throw mwError('MW_INVALID_ARGUMENT', `not a master URL: "${master}" (${(error as Error).message})`);
  }
}

/**
 * One master (the leader it was last redirected to). `post()` follows 307 answers: Mesos's `Location` is
 * protocol-relative (`//host:port/path`), resolved against the current URL, so the scheme is kept.
 */
export class MasterConnection {
  #base: URL;
  readonly #dispatchers: MasterDispatchers | undefined;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #maxRedirects: number;
  /** Aborted by `close()`: no request outlives the connection (undici's own timeouts are 300 s). */
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;

  constructor(master: string | URL, options: MasterConnectionOptions = {}) {
    this.#base = typeof master === 'string' ? parseMasterUrl(master) : new URL(master.origin);
    this.#dispatcher = options.dispatcher;
    this.#dispatchers = options.dispatcher === undefined ? new MasterDispatchers() : undefined;
    this.#maxRedirects = options.maxRedirects ?? 5;
  }

  /** The master the next request goes to (`http://host:port`). */
  get url(): URL {
    return new URL(this.#base.href);
  }

  /**
   * POSTs `body` to `path` on the current master; on 307 the redirect target becomes the current master and the
   * request is repeated there. Rejects with MW_CLIENT_PROTOCOL on a redirect without Location or too many
   * redirects, MW_TRANSPORT_CONNECT when the master cannot be reached.
   */
  async post(
    path: string,
    body: Uint8Array,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<MasterResponse> {
    if (this.#closing.signal.aborted) throw this.#closing.signal.reason;
    const abort = signal === undefined ? this.#closing.signal : AbortSignal.any([signal, this.#closing.signal]);
    let url = new URL(path, this.#base);
    for (let redirects = 0; ; redirects++) {
      const dispatcher = this.#dispatcher ?? this.#dispatchers!.forUrl(url);
      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, { method: 'POST', headers, body, dispatcher, signal: abort });
      } catch (error) {
        if (abort.aborted) throw abort.reason ?? error;
        throw mwError('MW_TRANSPORT_CONNECT', `cannot reach the master at ${url.origin}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (response.statusCode !== 307) return { ...response, url };
      await response.body.dump();
      const location = headerValue(response.headers, 'location');
      if (location === undefined) throw mwError('MW_CLIENT_PROTOCOL', `307 from ${url.origin} without Location`);
      if (redirects >= this.#maxRedirects) {
        throw mwError('MW_CLIENT_PROTOCOL', `more than ${this.#maxRedirects} redirects (last to ${location})`);
      }
      const target = new URL(location, url);
      this.#base = new URL(target.origin);
      url = target;
    }
  }

  /**
   * Aborts every request still in flight (their promises and bodies reject with MW_TRANSPORT_CLOSED) and closes
   * the default agents (a dispatcher passed in is the caller's to close). Never waits for a silent master;
   * calling it again returns the same promise.
   */
  close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#closing.abort(mwError('MW_TRANSPORT_CLOSED', `connection to ${this.#base.origin} closed`));
      this.#closed = this.#dispatchers?.close() ?? Promise.resolve();
    }
    return this.#closed;
  }
}

/** Reads a whole (small) body. */
export async function readBody(body: MasterResponse['body']): Promise<Uint8Array> {
  return new Uint8Array(await body.arrayBuffer());
}
