/**
 * A master for v1 API tests: a libprocess endpoint on 127.0.0.1:0, a simulation core on a clock bound to real time,
 * and the v1 APIs mounted on the endpoint's router (what `MockMaster` does through its `http` hook).
 */
import { Agent, request } from 'undici';
import {
  bindClockToRealTime,
  MasterSimulation,
  type MasterSimulationOptions,
  VirtualClock,
} from '../../../src/mock/core/index.ts';
import { mountV1Apis, type V1ApiOptions, type V1Apis } from '../../../src/mock/http-api/index.ts';
import { LibprocessEndpoint } from '../../../src/transport/index.ts';

export interface TestMaster {
  readonly endpoint: LibprocessEndpoint;
  readonly simulation: MasterSimulation;
  readonly apis: V1Apis;
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a test master; `simulation` options are passed to the core (ip and port are the endpoint's). */
export async function startTestMaster(
  simulation: Omit<MasterSimulationOptions, 'ip' | 'port' | 'clock'> = {},
  api: V1ApiOptions = {},
): Promise<TestMaster> {
  const endpoint = await LibprocessEndpoint.listen({ ip: '127.0.0.1', port: 0, defaultId: 'master' });
  const port = endpoint.address.port;
  const clock = new VirtualClock(Date.now());
  const sim = new MasterSimulation({ agents: 1, ...simulation, ip: '127.0.0.1', port, clock });
  const unbind = bindClockToRealTime(clock);
  const apis = mountV1Apis(endpoint.router, sim, api);
  return {
    endpoint,
    simulation: sim,
    apis,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      apis.close();
      sim.stop();
      unbind();
      await endpoint.close(200);
    },
  };
}

/** One direct agent for raw requests in tests (never proxied, no redirects followed). */
export const rawAgent = new Agent();

/** A raw answer: status, headers (lower-case names), body as text. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends one request and reads the whole answer (not for streams). */
export async function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {},
): Promise<RawAnswer> {
  const response = await request(url, {
    method: (options.method ?? 'POST') as 'POST',
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
    dispatcher: rawAgent,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** Waits until `check` is true (polling every 10 ms), failing after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
