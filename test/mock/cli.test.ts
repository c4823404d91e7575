import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { runMockMaster } from '../../src/cli/commands/mock-master.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { offersOf, stateOf } from './helpers.ts';
import { commandTask, TestSchedulerDriver } from './scheduler-driver.ts';

function context(): { ctx: CliContext; out: () => string; firstLine: Promise<string> } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  let resolveFirst: (line: string) => void = () => {};
  const firstLine = new Promise<string>((resolve) => (resolveFirst = resolve));
  stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (text.includes('\n')) resolveFirst(text.slice(0, text.indexOf('\n')));
  });
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const ctx: CliContext = { stdin: new PassThrough(), stdout, stderr, env: { NO_COLOR: '1' }, setExit() {} };
  return { ctx, out: () => text, firstLine };
}

describe('mesos-wire mock-master', () => {
  for (const verbose of [false, true]) {
    it(`prints the bound address, the traffic${verbose ? ' with framing and hex (-v)' : ''} and a summary on stop`, async () => {
      const { ctx, out, firstLine } = context();
      const stop = new AbortController();
      const running = runMockMaster(
        { ip: '127.0.0.1', port: 0, agents: 2, resources: 'cpus:2;mem:2048', mesosVersion: '1.11.0', verbose },
        ctx,
        stop.signal,
      );
      const line = await firstLine;
      const match =
        /^mock master (master@127\.0\.0\.1:(\d+)) listening on 127\.0\.0\.1:\d+ \(mesos-1\.11 framing, replies: always\); agents: slave\(1\)@127\.0\.0\.1:\d+, slave\(2\)@/.exec(
          line,
        );
      assert.ok(match, line);
      const d = await TestSchedulerDriver.start({ master: match[1]! });
      await d.subscribe();
      const offer = offersOf((await d.next('mesos.internal.ResourceOffersMessage', 3000)).message)[0]!;
      await d.launch([offer.id.value], [commandTask('cli-1', offer.slave_id.value)]);
      await d.next((r) => stateOf(r.message) === 'TASK_FINISHED', 5000);
      stop.abort();
      assert.equal(await running, 0);
      await d.close();
      const text = out();
      assert.match(text, /<- in +mesos\.scheduler\.Call SUBSCRIBE +scheduler-[0-9a-f-]+@127\.0\.0\.1:\d+ -> master@/);
      assert.match(text, /-> out +mesos\.internal\.FrameworkRegisteredMessage/);
      assert.match(text, /=> internal mesos\.internal\.RunTaskMessage/);
      assert.match(text, /"state":"TASK_FINISHED"/);
      assert.match(text, /\nsummary: \d+ in, \d+ out, \d+ to virtual agents, 0 dropped, 0 undecodable\n/);
      assert.match(text, /frameworks: \d+ registered, \d+ completed; tasks: \d+ active, \d+ completed\n$/);
      assert.equal(/framing +chunked 0x[0-9a-f]+ = \d+ bytes/.test(text), verbose);
    });
  }

  it('reports a port it cannot bind as an I/O error', async () => {
    const { ctx, out, firstLine } = context();
    const stop = new AbortController();
    const first = runMockMaster({ ip: '127.0.0.1', port: 0, agents: 1, mesosVersion: '1.11.0' }, ctx, stop.signal);
    const port = Number(/:(\d+) listening/.exec(await firstLine)![1]);
    const second = context();
    const code = await runMockMaster({ ip: '127.0.0.1', port, agents: 1, mesosVersion: '1.11.0' }, second.ctx);
    assert.equal(code, 3);
    assert.match(second.out(), /mesos-wire mock-master: cannot listen on 127\.0\.0\.1:\d+/);
    stop.abort();
    await first;
    assert.match(out(), /summary: 0 in, 0 out/);
  });
});
