import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { isLoopbackHost, OperatorClient } from '../../src/client/index.ts';
import { isMesosWireError } from '../../src/errors.ts';
import { startTestMaster, type TestMaster } from '../mock/http-api/harness.ts';
import { type HttpProxy, startHttpProxy } from './proxies.ts';

const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];

describe('proxy environment (HTTP_PROXY / HTTPS_PROXY / NO_PROXY as undici EnvHttpProxyAgent reads them)', () => {
  let master: TestMaster;
  let proxy: HttpProxy;
  const saved = new Map(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
  before(async () => {
    master = await startTestMaster({ agents: 0 });
    // The proxy sends every request to the mock master, whatever host was asked for.
    proxy = await startHttpProxy(master.port);
  });
  afterEach(() => {
    for (const name of PROXY_VARIABLES) {
      const value = saved.get(name);
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    proxy.requests.length = 0;
  });
  after(async () => {
    await proxy.close();
    await master.close();
  });

  const setEnv = (values: Record<string, string>): void => {
    for (const name of PROXY_VARIABLES) delete process.env[name];
    Object.assign(process.env, values);
  };

  test('loopback masters are reached directly even with HTTP_PROXY set and no NO_PROXY', async () => {
    setEnv({ HTTP_PROXY: proxy.url });
    for (const url of [master.url, `http://localhost:${master.port}`]) {
      const client = new OperatorClient({ master: url });
      assert.deepEqual(await client.getHealth(), { healthy: true });
      await client.close();
    }
    assert.deepEqual(proxy.requests, []);
  });

  test('other masters go through HTTP_PROXY', async () => {
    setEnv({ HTTP_PROXY: proxy.url });
    const client = new OperatorClient({ master: 'http://mesos-master.invalid:5050' });
    assert.deepEqual(await client.getHealth(), { healthy: true });
    await client.close();
    assert.equal(proxy.requests.length, 1);
    assert.match(
      proxy.requests[0]!,
      /^(CONNECT mesos-master\.invalid:5050|POST http:\/\/mesos-master\.invalid:5050\/api\/v1) /,
    );
  });

  test('lower-case http_proxy wins over HTTP_PROXY', async () => {
    setEnv({ http_proxy: proxy.url, HTTP_PROXY: 'http://127.0.0.1:9' });
    const client = new OperatorClient({ master: 'http://mesos-master.invalid:5050' });
    assert.deepEqual(await client.getHealth(), { healthy: true });
    await client.close();
    assert.equal(proxy.requests.length, 1);
  });

  test('NO_PROXY names a master: it is not proxied (and, being unresolvable here, not reached)', async () => {
    setEnv({ HTTP_PROXY: proxy.url, NO_PROXY: 'example.org, .invalid' });
    const client = new OperatorClient({ master: 'http://mesos-master.invalid:5050' });
    await assert.rejects(
      client.getHealth(),
      (error: unknown) => isMesosWireError(error) && error.code === 'MW_TRANSPORT_CONNECT',
    );
    await client.close();
    assert.deepEqual(proxy.requests, []);
  });

  test('a NO_PROXY entry with another port does not apply', async () => {
    setEnv({ HTTP_PROXY: proxy.url, NO_PROXY: 'mesos-master.invalid:5051' });
    const client = new OperatorClient({ master: 'http://mesos-master.invalid:5050' });
    assert.deepEqual(await client.getHealth(), { healthy: true });
    await client.close();
    assert.equal(proxy.requests.length, 1);
  });

  test('isLoopbackHost', () => {
    for (const host of ['localhost', 'LOCALHOST', 'a.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['10.0.0.1', 'example.org', '128.0.0.1', '::2', 'localhost.example']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});
