import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { ROOT } from './helpers.ts';

/**
 * The modules one in-process CLI run loads (paths under src/ and node_modules/), seen by a module load hook in a
 * fresh process: what the process pays for in memory before doing any work.
 */
function modulesLoadedBy(args: string[]): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    import { Readable, Writable } from 'node:stream';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const { run } = await import(${JSON.stringify(new URL('src/cli/main.ts', `file://${ROOT}`).href)});
    const sink = new Writable({ write(_chunk, _encoding, callback) { callback(); } });
    const status = await run(['node', 'mesos-wire', ...${JSON.stringify(args)}], {
      stdin: Readable.from([]), stdout: sink, stderr: sink, env: {},
    });
    process.stdout.write(JSON.stringify({ status, loaded }));
  `;
  const child = spawnSync(
    process.execPath,
    ['--conditions=mesos-wire-source', '--input-type=module', '--eval', script],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(child.status, 0, child.stderr);
  const { status, loaded } = JSON.parse(child.stdout) as { status: number; loaded: string[] };
  assert.equal(status, 0);
  return loaded
    .filter((url) => url.startsWith('file:'))
    .map((url) => url.replace(/^.*\/(src|node_modules)\//, '$1/'))
    .filter((path) => path.startsWith('src/') || path.startsWith('node_modules/'));
}

describe('command implementations load only when their command runs', () => {
  it('--version loads the command definitions and commander only', () => {
    const loaded = modulesLoadedBy(['--version']);
    assert.ok(loaded.includes('src/cli/commands/definitions.ts'));
    const implementations = loaded.filter((path) => /^src\/cli\/commands\/(?!definitions|arguments)/.test(path));
    assert.deepEqual(implementations, []);
    for (const heavy of ['undici', 'protobufjs', 'chalk']) {
      assert.ok(!loaded.some((path) => path.startsWith(`node_modules/${heavy}/`)), `${heavy} loaded`);
    }
    assert.ok(!loaded.some((path) => /^src\/(pipeline|client|transport|mock|proto)\//.test(path)));
  });

  it('decode of a capture loads its own implementation, not the HTTP client, transport or mock master', () => {
    const loaded = modulesLoadedBy(['decode', '--format', 'ndjson', 'fixtures/pcap/sessions/libprocess-session.pcap']);
    assert.ok(loaded.includes('src/cli/commands/decode.ts'));
    assert.ok(loaded.includes('src/pipeline/decode-sessions.ts'));
    for (const other of ['api', 'watch', 'send', 'listen', 'replay', 'mock-master', 'encode', 'schema']) {
      assert.ok(!loaded.includes(`src/cli/commands/${other}.ts`), `${other}.ts loaded`);
    }
    assert.ok(!loaded.some((path) => path.startsWith('node_modules/undici/')), 'undici loaded');
    assert.ok(!loaded.some((path) => /^src\/(client|transport|mock)\//.test(path)));
  });

  it('decode, stats and flows without colour do not load chalk (nor what it loads to detect a terminal)', () => {
    const capture = 'fixtures/pcap/sessions/libprocess-session.pcap';
    for (const args of [
      ['decode', capture],
      ['decode', '--format', 'ndjson', capture],
      ['stats', capture],
      ['flows', capture],
    ]) {
      const loaded = modulesLoadedBy(args);
      assert.ok(!loaded.some((path) => path.startsWith('node_modules/chalk/')), `chalk loaded by ${args.join(' ')}`);
    }
  });
});
