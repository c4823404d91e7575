import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES_DIR, loadSchemas } from './schema-root.ts';

// A copy of shared/protocol/message-catalog.tsv: one row per libprocess wire name.
interface CatalogRow {
  wireName: string;
  protoFile: string;
  protoType: string;
}
const rows: CatalogRow[] = readFileSync(join(FIXTURES_DIR, 'message-catalog.tsv'), 'utf8')
  .trimEnd()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [wireName, protoFile, protoType] = line.split('\t');
    return { wireName: wireName!, protoFile: protoFile!, protoType: protoType! };
  });

/** Where the catalog's upstream path lives in proto/, or the legacy directory for names HEAD dropped. */
function expectedFile(protoFile: string): string {
  if (protoFile.includes('(until') || protoFile.includes('only)')) {
    return protoFile.startsWith('src/messages/log.proto')
      ? 'mesos-wire/legacy/log.proto'
      : 'mesos-wire/legacy/messages.proto';
  }
  if (protoFile.startsWith('include/')) return protoFile.slice('include/'.length);
  if (protoFile.startsWith('src/')) return protoFile.slice('src/'.length);
  throw new Error(`unexpected proto_file ${protoFile}`);
}

describe('message-catalog.tsv names resolve to proto/ types', () => {
  const { root } = loadSchemas();
  const protobufRows = rows.filter((r) => r.protoType !== '-');

  it('has the rows of the catalog', () => {
    assert.equal(rows.length, 81);
    assert.equal(protobufRows.length, 79);
  });

  for (const row of protobufRows) {
    it(`${row.wireName} is a type defined in proto/${expectedFile(row.protoFile)}`, () => {
      const type = root.lookupType(row.wireName);
      assert.equal(type.fullName, `.${row.wireName}`);
      assert.ok(row.wireName === row.protoType || row.wireName.endsWith(`.${row.protoType}`), row.protoType);
      assert.ok(type.filename?.endsWith(`/proto/${expectedFile(row.protoFile)}`), type.filename ?? '(no file)');
    });
  }

  it('has no type for the raw names (PING, PONG)', () => {
    for (const row of rows.filter((r) => r.protoType === '-')) {
      assert.match(row.wireName, /^[A-Z]+$/);
      assert.equal(root.lookup(row.wireName), null);
    }
  });
});
