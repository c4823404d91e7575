// The library example of README.md ("Live traffic"), run as a test so the documentation stays true.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LibprocessEndpoint } from 'mesos-wire/transport';

test('README example: one endpoint sends a message to another and gets 202', async () => {
  const seen: string[] = [];
  const agent = await LibprocessEndpoint.listen({ port: 0 });
  agent.register('slave(1)', (message) => seen.push(`${message.name} from ${message.fromText}`));
  const master = await LibprocessEndpoint.listen({ defaultId: 'master' });
  try {
    const receipt = await master.send(
      { to: agent.upid('slave(1)'), name: 'mesos.internal.PingSlaveMessage', body: new Uint8Array([0x08, 0x01]) },
      { awaitResponse: true },
    );
    assert.equal(receipt.status, 202);
    assert.deepEqual(seen, [`mesos.internal.PingSlaveMessage from master@127.0.0.1:${master.address.port}`]);
  } finally {
    await master.close();
    await agent.close();
  }
});
