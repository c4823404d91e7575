import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { FLOW_ROW_FIELDS, FlowTable } from '../../src/analysis/flows.ts';
import { runFlows } from '../../src/cli/commands/flows.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { FlowRowFile } from '../../src/cli/flow-row-file.ts';
import { decodeCaptureSessions } from '../../src/pipeline/decode-sessions.ts';
import { runCli, writeManyConnectionsCapture } from './helpers.ts';

/** Open file descriptors of this process (Linux), to see that a run leaves none behind. */
function openFds(): number | undefined {
  return existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : undefined;
}

/** A row whose numbers say which slot and which version it is. */
function row(slot: number, version = 0): Float64Array {
  return Float64Array.from({ length: FLOW_ROW_FIELDS }, (_, i) => slot * 1e6 + i * 10 + version + 0.5);
}

const zeros = () => new Array<number>(FLOW_ROW_FIELDS).fill(0);

/** The rows of `count` slots from `first`, one array per slot. */
function readRows(store: FlowRowFile, first: number, count: number): number[][] {
  const into = new Float64Array(count * FLOW_ROW_FIELDS).fill(-7);
  store.read(first, count, into);
  return Array.from({ length: count }, (_, i) => [...into.subarray(i * FLOW_ROW_FIELDS, (i + 1) * FLOW_ROW_FIELDS)]);
}

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'mesos-wire-flows-rows-test-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh empty directory to be the run's TMPDIR. */
function tempParent(name: string): string {
  return mkdtempSync(join(scratch, `${name}-`));
}

/** A capture of many short connections (generated, 1 MiB). */
function manyConnectionsCapture(): string {
  const file = join(scratch, 'many.pcap');
  if (!existsSync(file)) writeManyConnectionsCapture(file);
  return file;
}

describe('FlowRowFile', () => {
  it('has no name once made; rows at slot * row bytes, last put wins, unwritten and past-the-end rows are zeros', () => {
    const parent = tempParent('store');
    const fds = openFds();
    const store = FlowRowFile.create(parent);
    assert.deepEqual(readdirSync(parent), []);
    for (const slot of [0, 3, 600]) store.put(slot, row(slot));
    store.put(3, row(3, 1));
    // A view into a bigger array (an open row in its block) gives its own numbers only.
    const block = new Float64Array(FLOW_ROW_FIELDS * 3).fill(-1);
    block.set(row(5), FLOW_ROW_FIELDS);
    store.put(5, block.subarray(FLOW_ROW_FIELDS, 2 * FLOW_ROW_FIELDS));
    assert.deepEqual(readRows(store, 0, 6), [[...row(0)], zeros(), zeros(), [...row(3, 1)], zeros(), [...row(5)]]);
    assert.deepEqual(readRows(store, 598, 5), [zeros(), zeros(), [...row(600)], zeros(), zeros()]);
    assert.deepEqual(readRows(store, 5000, 2), [zeros(), zeros()]);
    store.close();
    store.close();
    // Closed: no use reaches a descriptor number the process may have given to another file since.
    assert.throws(() => store.put(1, row(1)), RangeError);
    assert.throws(() => store.read(0, 1, new Float64Array(FLOW_ROW_FIELDS)), RangeError);
    assert.equal(openFds(), fds);
    assert.deepEqual(readdirSync(parent), []);
  });

  it('a FlowTable on the file gives the summaries of one in memory (fixtures and many connections)', async () => {
    const parent = tempParent('tables');
    const files = [manyConnectionsCapture()];
    for (const dir of ['generated', 'real', 'sessions']) {
      for (const name of readdirSync(join('fixtures', 'pcap', dir))) files.push(join('fixtures', 'pcap', dir, name));
    }
    assert.ok(files.length > 30);
    for (const file of files) {
      const inMemory = new FlowTable();
      const store = FlowRowFile.create(parent);
      try {
        const onFile = new FlowTable({ store });
        try {
          await decodeCaptureSessions(file, (event) => {
            inMemory.add(event);
            onFile.add(event);
          });
        } catch {
          // A fixture that is corrupt on purpose: what was decoded before counts.
        }
        assert.deepEqual(onFile.flows(), inMemory.flows(), file);
        assert.deepEqual(onFile.other, inMemory.other, file);
        if (file.endsWith('many.pcap')) assert.ok(onFile.size > 50, `${onFile.size} connections`);
      } finally {
        store.close();
      }
    }
    assert.deepEqual(readdirSync(parent), []);
  });
});

describe('mesos-wire flows: the temporary file', () => {
  /** What the command printed before the rows went to a file: the table in memory. */
  async function expectedJson(file: string): Promise<string> {
    const table = new FlowTable();
    await decodeCaptureSessions(file, (event) => table.add(event));
    return `${JSON.stringify({ flows: table.flows(), other: table.other })}\n`;
  }

  it('is gone after a run, text or json; the output is the table in memory', async () => {
    const parent = tempParent('run');
    const file = manyConnectionsCapture();
    const fds = openFds();
    const json = await runCli(['flows', file, '--format', 'json'], { env: { TMPDIR: parent } });
    assert.equal(json.status, 0);
    assert.equal(json.stderr, '');
    assert.equal(json.stdout.toString(), await expectedJson(file));
    const text = await runCli(['flows', file], { env: { TMPDIR: parent } });
    assert.equal(text.status, 0);
    assert.match(text.stdout.toString(), /\n\d{2,} connections\n$/);
    assert.deepEqual(readdirSync(parent), []);
    assert.equal(openFds(), fds);
  });

  it('is gone after a capture format error (exit 1, the rows decoded before it)', async () => {
    const parent = tempParent('format-error');
    const truncated = join(scratch, 'truncated.pcap');
    writeFileSync(truncated, readFileSync('fixtures/pcap/sessions/libprocess-session.pcap').subarray(0, 3001));
    const run = await runCli(['flows', truncated], { env: { TMPDIR: parent } });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /MW_PCAP_TRUNCATED at file offset 2968/);
    assert.match(run.stdout.toString(), /end-of-capture {2}registration-repeated\n[\s\S]*\n3 connections\n$/);
    assert.deepEqual(readdirSync(parent), []);
  });

  it('is gone, and its file closed, when writing the output fails', async () => {
    const parent = tempParent('output-error');
    const fds = openFds();
    const failing = {
      write() {
        throw new Error('output failed');
      },
    } as unknown as Writable;
    const errors: string[] = [];
    const ctx: CliContext = {
      stdin: Readable.from([]),
      stdout: failing,
      stderr: { write: (text: string) => errors.push(text) } as unknown as Writable,
      env: { TMPDIR: parent },
      setExit() {},
    };
    await assert.rejects(runFlows(manyConnectionsCapture(), { format: 'text' }, ctx), /output failed/);
    assert.deepEqual(errors, []);
    assert.deepEqual(readdirSync(parent), []);
    assert.equal(openFds(), fds);
  });

  it('where none can be made, the rows stay in memory and stderr says so (same output, exit 0)', async () => {
    const missing = join(scratch, 'no-such-directory');
    const file = manyConnectionsCapture();
    const run = await runCli(['flows', file, '--format', 'json'], { env: { TMPDIR: missing } });
    assert.equal(run.status, 0);
    assert.match(
      run.stderr,
      /^mesos-wire: no temporary file in .*no-such-directory \(ENOENT: .*\): connections are kept in memory\n$/,
    );
    assert.equal(run.stdout.toString(), await expectedJson(file));
  });
});
