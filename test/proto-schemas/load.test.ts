import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { allTypes, loadSchemas, PROTO_DIR, protoFiles } from './schema-root.ts';

const SCALARS = new Set([
  'double',
  'float',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

describe('proto/ loads with protobufjs', () => {
  it('has the files that mirror the upstream import paths', () => {
    const files = protoFiles();
    for (const expected of [
      'mesos/mesos.proto',
      'mesos/scheduler/scheduler.proto',
      'mesos/executor/executor.proto',
      'mesos/master/master.proto',
      'mesos/agent/agent.proto',
      'mesos/allocator/allocator.proto',
      'mesos/maintenance/maintenance.proto',
      'mesos/quota/quota.proto',
      'mesos/resource_provider/resource_provider.proto',
      'mesos/authentication/authentication.proto',
      'mesos/state/state.proto',
      'mesos/v1/mesos.proto',
      'mesos/v1/scheduler/scheduler.proto',
      'mesos/v1/executor/executor.proto',
      'mesos/v1/master/master.proto',
      'mesos/v1/agent/agent.proto',
      'mesos/v1/allocator/allocator.proto',
      'mesos/v1/maintenance/maintenance.proto',
      'mesos/v1/quota/quota.proto',
      'mesos/v1/resource_provider/resource_provider.proto',
      'messages/messages.proto',
      'messages/log.proto',
      'messages/state.proto',
      'master/registry.proto',
      'resource_provider/registry.proto',
      'mesos-wire/legacy/messages.proto',
      'mesos-wire/legacy/log.proto',
    ]) {
      assert.ok(files.includes(expected), `missing proto/${expected}`);
    }
    assert.equal(files.length, 27);
  });

  it('loads every file together from proto/ only, google/protobuf from the bundled copies', () => {
    const { root, requested } = loadSchemas();
    for (const path of requested) {
      assert.ok(!path.startsWith('google/'), `asked the file system for ${path}`);
      assert.ok(path.startsWith('/') || protoFiles().includes(path), `asked for ${path}`);
    }
    assert.ok(root.lookupType('google.protobuf.Duration'));
    const { types, enums } = allTypes(root);
    // 828 upstream messages (22 of them map entries, which protobufjs does not model as types),
    // 10 legacy messages, and google.protobuf.Duration.
    assert.equal(types.length, 828 - 22 + 10 + 1);
    assert.equal(enums.length, 114);
  });

  for (const file of protoFiles()) {
    it(`loads ${file} on its own (with its imports)`, () => {
      const { root } = loadSchemas([file]);
      assert.ok(allTypes(root).types.length > 0);
    });
  }

  it('writes every message and enum reference fully qualified (protobufjs resolves relative names differently)', () => {
    const field = /^\s*(?:optional|required|repeated)?\s*([A-Za-z_.][\w.]*)\s+\w+\s*=\s*\d+/;
    const map = /^\s*map<\s*(\w+)\s*,\s*([\w.]+)\s*>/;
    let checked = 0;
    for (const file of protoFiles()) {
      const lines = readFileSync(join(PROTO_DIR, file), 'utf8').split('\n');
      lines.forEach((line, index) => {
        if (/^\s*(\/\/|option |reserved |syntax |package |import )/.test(line)) return;
        const types: string[] = [];
        const m = map.exec(line);
        if (m) types.push(m[2]!);
        else {
          const f = field.exec(line);
          if (f && f[1] !== 'option') types.push(f[1]!);
        }
        for (const type of types) {
          checked++;
          if (!SCALARS.has(type)) assert.ok(type.startsWith('.'), `${file}:${index + 1}: relative type ${type}`);
        }
      });
    }
    // 2711 upstream fields less the 44 of map entries, plus the 10 legacy fields.
    assert.equal(checked, 2711 - 44 + 10);
  });

  it('resolves the Appendix B case to mesos.Operation, not ReconcileOperationsMessage.Operation', () => {
    const { root } = loadSchemas(['messages/messages.proto']);
    const operations = root.lookupType('mesos.internal.UpdateSlaveMessage.Operations').fields.operations!;
    assert.equal(operations.resolvedType!.fullName, '.mesos.Operation');
    const reconcile = root.lookupType('mesos.internal.ReconcileOperationsMessage').fields.operations!;
    assert.equal(reconcile.resolvedType!.fullName, '.mesos.internal.ReconcileOperationsMessage.Operation');
  });

  it('carries no upstream licence header', () => {
    for (const file of protoFiles()) {
      const text = readFileSync(join(PROTO_DIR, file), 'utf8');
      assert.doesNotMatch(text, /Licensed to the Apache Software Foundation|www\.apache\.org\/licenses/, file);
    }
  });
});
