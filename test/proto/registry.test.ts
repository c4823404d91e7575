import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BUNDLE_PATH, generateBundle } from '../../scripts/gen-proto-bundle.ts';
import { BUNDLE_FILES } from '../../src/proto/bundle.ts';
import { MESSAGE_CATALOG } from '../../src/proto/catalog.ts';
import { listWireNames, lookupWireName, typeForEndpoint } from '../../src/proto/registry.ts';
import { buildRootFromSources, findType, getDefaultRoot, resolveLikeProtoc } from '../../src/proto/schema.ts';
import { fixtureRoot, fixtureType } from './fixture-root.ts';

describe('schema bundle', () => {
  it('is up to date with proto/ (run node scripts/gen-proto-bundle.ts)', () => {
    const { text, warnings } = generateBundle();
    assert.deepEqual(warnings, []);
    assert.ok(readFileSync(BUNDLE_PATH, 'utf8') === text, 'src/proto/gen/bundle.json is stale');
  });

  it('needs no side-effect import: a fresh process finds types through the registry alone', () => {
    const script = [
      "const { lookupWireName, typeForEndpoint } = await import('./src/proto/registry.ts');",
      "const a = lookupWireName('mesos.internal.RegisterSlaveMessage')?.type?.fullName;",
      "const b = typeForEndpoint('/api/v1/scheduler', 'event')?.type?.fullName;",
      "process.stdout.write(a + ' ' + b);",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url),
      encoding: 'utf8',
    });
    assert.equal(out, '.mesos.internal.RegisterSlaveMessage .mesos.v1.scheduler.Event');
  });

  it('holds the core files', () => {
    for (const f of ['mesos/mesos.proto', 'messages/messages.proto', 'mesos/v1/scheduler/scheduler.proto']) {
      assert.ok(BUNDLE_FILES.includes(f), f);
    }
  });

  it('resolves references with protoc scoping, not nested-namespace search', () => {
    const user = fixtureType('mwtest.Outer.User');
    user.fields.inner!.resolve();
    assert.equal(user.fields.inner!.resolvedType?.fullName, '.mwtest.Inner');
    assert.equal(resolveLikeProtoc(user, 'Other.Inner')?.fullName, '.mwtest.Other.Inner');
    assert.equal(resolveLikeProtoc(user, 'User')?.fullName, '.mwtest.Outer.User');
    assert.equal(resolveLikeProtoc(user, 'Nope'), null);
    assert.ok(fixtureRoot());
  });

  it('fixes the Appendix B case: an outer-package type wins over a nested type elsewhere', () => {
    // Plain protobufjs resolves this to .mwscope.internal.Reconcile.Operation.
    const ops = fixtureType('mwscope.internal.Update.Operations');
    ops.fields.operations!.resolve();
    assert.equal(ops.fields.operations!.resolvedType?.fullName, '.mwscope.Operation');
    const rec = fixtureType('mwscope.internal.Reconcile');
    rec.fields.operations!.resolve();
    assert.equal(rec.fields.operations!.resolvedType?.fullName, '.mwscope.internal.Reconcile.Operation');
  });

  it('UpdateSlaveMessage.Operations.operations is mesos.Operation (wire-protocol App. B)', () => {
    const ops = findType(getDefaultRoot(), 'mesos.internal.UpdateSlaveMessage.Operations')!;
    ops.fields.operations!.resolve();
    assert.equal(ops.fields.operations!.resolvedType?.fullName, '.mesos.Operation');
  });

  it('reports missing imports and unresolvable types', () => {
    const { warnings } = buildRootFromSources({
      'a.proto': 'syntax = "proto2"; package a; import "b.proto"; message M { optional int32 x = 1; }',
    });
    assert.deepEqual(warnings, ['a.proto: import b.proto is not among the sources']);
    assert.throws(
      () => buildRootFromSources({ 'a.proto': 'syntax = "proto2"; package a; message M { optional Nope x = 1; }' }),
      (e: { code: string }) => e.code === 'MW_INVALID_ARGUMENT',
    );
    assert.throws(
      () => buildRootFromSources({ 'a.proto': 'message {' }),
      (e: { code: string }) => e.code === 'MW_INVALID_ARGUMENT',
    );
  });

  it('takes google/protobuf well-known types from protobufjs', () => {
    const { root } = buildRootFromSources({
      'a.proto':
        'syntax = "proto2"; package a; import "google/protobuf/duration.proto"; message M { optional google.protobuf.Duration d = 1; }',
    });
    const m = findType(root, 'a.M')!;
    m.fields.d!.resolve();
    assert.equal(m.fields.d!.resolvedType?.fullName, '.google.protobuf.Duration');
  });
});

describe('registry', () => {
  it('catalog rows equal fixtures/proto/message-catalog.tsv column by column', () => {
    const tsv = readFileSync(new URL('../../fixtures/proto/message-catalog.tsv', import.meta.url), 'utf8');
    const lines = tsv.trimEnd().split('\n').slice(1);
    assert.equal(lines.length, MESSAGE_CATALOG.length);
    lines.forEach((line, i) => {
      const [wire, file, type, senders, receivers, since, note] = line.split('\t');
      const e = MESSAGE_CATALOG[i]!;
      assert.deepEqual(
        [e.wireName, e.protoFile, e.typeName === undefined ? '-' : e.typeName, e.senders.join('; ')],
        [wire, file, type === '-' ? '-' : e.wireName, senders],
      );
      assert.ok(type === '-' || e.wireName.endsWith(type!), e.wireName);
      assert.deepEqual([e.receivers.join('; '), e.sinceDetail, e.note], [receivers, since, note]);
    });
  });

  it('lists every catalog name and resolves every protobuf row', () => {
    const names = listWireNames();
    assert.equal(names.length, MESSAGE_CATALOG.length);
    assert.equal(names.length, 81);
    for (const name of names) {
      const info = lookupWireName(name)!;
      assert.ok(info, name);
      if (info.typeName !== undefined) assert.ok(info.type, `${name}: ${info.typeName} is not in the schemas`);
    }
  });

  it('carries roles and versions', () => {
    const ping = lookupWireName('mesos.internal.PingSlaveMessage')!;
    assert.equal(ping.catalog?.since, '0.21.0');
    assert.deepEqual(ping.catalog?.senders, ['master slave-observer(N)']);
    const legacy = lookupWireName('mesos.internal.LaunchTasksMessage')!;
    assert.equal(legacy.catalog?.until, '0.23.x');
    const kill = lookupWireName('mesos.internal.KillTaskMessage')!;
    assert.deepEqual(kill.catalog?.receivers, ['agent', 'executor driver', '(legacy) master']);
    assert.equal(lookupWireName('mesos.internal.log.LearnRequest')?.catalog?.until, '0.16.x');
  });

  it('handles raw names explicitly', () => {
    const ping = lookupWireName('PING')!;
    assert.equal(ping.kind, 'raw');
    assert.equal(ping.typeName, 'mesos.internal.PingSlaveMessage');
    assert.ok(ping.type);
    const pong = lookupWireName('PONG')!;
    assert.equal(pong.kind, 'raw');
    assert.equal(pong.type, undefined);
  });

  it('accepts type names outside the catalog and rejects others', () => {
    const info = lookupWireName('mesos.internal.StatusUpdateRecord')!;
    assert.equal(info.kind, 'protobuf');
    assert.equal(info.catalog, undefined);
    assert.ok(info.type);
    assert.equal(lookupWireName('mesos.internal.Nothing'), undefined);
    assert.equal(lookupWireName('GET /state'), undefined);
  });

  it('maps v1 endpoints and directions', () => {
    const cases: [string, 'request' | 'response' | 'event', string | undefined, ('master' | 'agent')?][] = [
      ['/api/v1/scheduler', 'request', 'mesos.v1.scheduler.Call'],
      ['/master/api/v1/scheduler', 'event', 'mesos.v1.scheduler.Event'],
      ['/api/v1/scheduler?x=1', 'response', 'mesos.v1.scheduler.Response'],
      ['/slave(1)/api/v1/executor', 'request', 'mesos.v1.executor.Call'],
      ['/api/v1/executor', 'event', 'mesos.v1.executor.Event'],
      ['/api/v1/executor', 'response', undefined],
      ['/api/v1', 'request', 'mesos.v1.master.Call'],
      ['/api/v1/', 'event', 'mesos.v1.master.Event'],
      ['/master/api/v1', 'response', 'mesos.v1.master.Response'],
      ['/api/v1', 'request', 'mesos.v1.agent.Call', 'agent'],
      ['/slave(1)/api/v1', 'response', 'mesos.v1.agent.Response', 'agent'],
      ['/api/v1', 'event', 'mesos.v1.agent.ProcessIO', 'agent'],
      ['/api/v1/resource_provider', 'event', 'mesos.v1.resource_provider.Event'],
      ['/state', 'request', undefined],
      ['/a/b/api/v1/scheduler', 'request', undefined],
      ['/api/v1/nothing', 'request', undefined],
    ];
    for (const [path, dir, expected, server] of cases) {
      const t = typeForEndpoint(path, dir, server === undefined ? {} : { server });
      assert.equal(t?.typeName, expected, `${path} ${dir}`);
      if (expected !== undefined) assert.ok(t?.type, `${expected} resolves`);
    }
  });
});
