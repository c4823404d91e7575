import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ROOT, runCli } from './helpers.ts';

const SESSION = 'fixtures/raw/libprocess-session.bin';
const STREAMING_FLAGS = [
  '--max-semi-space-size=2',
  '--semi-space-growth-factor=1',
  '--heap-growing-percent=50',
  '--no-concurrent-recompilation',
  '--no-maglev',
  '--no-allocation-site-pretenuring',
];

/**
 * Starts `node [nodeFlags] bin/mesos-wire.js decode -`, reads the running process's command line from /proc once it
 * has restarted itself (or after a short wait), then feeds it the fixture and collects the result.
 */
async function decodeFromStdin(
  nodeFlags: string[],
  env: Record<string, string> = {},
): Promise<{ cmdline: string[]; stdout: string; status: number | null }> {
  const child = spawn(process.execPath, [...nodeFlags, 'bin/mesos-wire.js', 'decode', '-', '--format', 'ndjson'], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0', ...env },
  });
  const out: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  // The command waits for standard input, so its command line can be read while it runs. A restart changes it in
  // place (same pid); give the first process time to get there: it runs no more than a few imports before it.
  let cmdline: string[] = [];
  for (let waited = 0; waited < 5000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'latin1')
      .split('\0')
      .filter((a) => a !== '');
    if (cmdline.includes('--no-concurrent-recompilation') || (env.MESOS_WIRE_NO_REEXEC === '1' && waited >= 500)) break;
  }
  child.stdin.end(readFileSync(`${ROOT}${SESSION}`));
  const status = await closed;
  return { cmdline, stdout: Buffer.concat(out).toString('utf8'), status };
}

// Linux: the running command line is read from /proc.
describe('the bin starts streaming commands with its V8 flags', () => {
  it('restarts itself once with the flags in front (same pid); the output is that of the in-process run', async () => {
    const [run, inProcess] = await Promise.all([
      decodeFromStdin([]),
      runCli(['decode', '-', '--format', 'ndjson'], { input: readFileSync(`${ROOT}${SESSION}`) }),
    ]);
    assert.equal(run.status, 0);
    assert.deepEqual(run.cmdline.slice(1, 1 + STREAMING_FLAGS.length), STREAMING_FLAGS);
    assert.equal(run.cmdline.filter((a) => a === '--no-concurrent-recompilation').length, 1);
    assert.equal(run.stdout, inProcess.stdout.toString('utf8'));
  });

  it("keeps the user's own flags, which win over its own", async () => {
    const run = await decodeFromStdin(['--max-semi-space-size=4']);
    assert.equal(run.status, 0);
    assert.ok(run.cmdline.includes('--max-semi-space-size=4'));
    assert.ok(
      !run.cmdline.some(
        (a) =>
          (a.startsWith('--max-semi-space-size=') && a !== '--max-semi-space-size=4') || a.startsWith('--semi-space'),
      ),
    );
    assert.ok(run.cmdline.includes('--heap-growing-percent=50'));
    assert.ok(run.cmdline.includes('--no-concurrent-recompilation'));
  });

  it('commander gets stand-ins for node:child_process, node:util and node:process: they are not loaded', () => {
    // Preloaded into the restarted process: at exit, says which built-in modules it loaded.
    const report = `process.on('exit', () => process.stderr.write(JSON.stringify(process.moduleLoadList)));`;
    const loadedBy = (env: Record<string, string>) => {
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          `data:text/javascript,${encodeURIComponent(report)}`,
          'bin/mesos-wire.js',
          'decode',
          '--format',
          'ndjson',
          'fixtures/pcap/sessions/libprocess-session.pcap',
        ],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } },
      );
      assert.equal(child.status, 0, child.stderr);
      return { stdout: child.stdout, modules: JSON.parse(child.stderr) as string[] };
    };
    const deferred = loadedBy({});
    const plain = loadedBy({ MESOS_WIRE_NO_DEFER: '1' });
    assert.equal(deferred.stdout, plain.stdout);
    // (net is not in the list: a pipe as standard output loads it anyway.)
    for (const module of ['child_process', 'dgram', 'worker_threads', 'internal/process/report']) {
      assert.ok(!deferred.modules.includes(`NativeModule ${module}`), `${module} loaded`);
      assert.ok(plain.modules.includes(`NativeModule ${module}`), `${module} not loaded without the stand-ins`);
    }
  });

  it('with the stand-ins, commander still writes help and usage errors as in-process', async () => {
    for (const args of [
      ['decode', '--help'],
      ['stats', '--no-such-option'],
    ]) {
      const child = spawnSync(process.execPath, ['bin/mesos-wire.js', ...args], { cwd: ROOT, encoding: 'utf8' });
      const inProcess = await runCli(args);
      assert.equal(child.stdout, inProcess.stdout.toString('utf8'), args.join(' '));
      assert.equal(child.stderr, inProcess.stderr, args.join(' '));
      assert.equal(child.status, inProcess.status, args.join(' '));
    }
  });

  it('MESOS_WIRE_NO_REEXEC=1 keeps the first process', async () => {
    const run = await decodeFromStdin([], { MESOS_WIRE_NO_REEXEC: '1' });
    assert.equal(run.status, 0);
    assert.ok(!run.cmdline.includes('--no-concurrent-recompilation'));
    assert.ok(run.stdout.startsWith('{"type":"message"'));
  });
});
