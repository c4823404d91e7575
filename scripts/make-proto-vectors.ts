// Regenerates fixtures/proto/ from protoc, the independent reference implementation:
//   - field-types.json: every message field and enum value of proto/ as protoc resolves them;
//   - vectors/<name>.txt: text-format inputs (rendered from the values below), vectors/<name>.bin: what
//     `protoc --encode=<type>` makes of them, and vectors/manifest.json (type, value, files, hex).
// test/proto-schemas checks protobufjs against these, so npm test needs no protoc.
//
// Run: node scripts/make-proto-vectors.ts [--protoc protoc]   (Debian: apt-get install protobuf-compiler)

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import {
  compileDescriptorSet,
  type FieldDescriptor,
  type FileDescriptor,
  forEachEnum,
  forEachMessage,
  listProtoFiles,
  type MessageDescriptor,
  PROTO_DIR,
} from './check-protos.ts';

const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/proto/', import.meta.url));
const VECTORS_DIR = join(FIXTURES_DIR, 'vectors');
/** The test-only schema next to the fixtures (every scalar type, packed fields). */
const TEST_SCHEMA = 'wire-test.proto';

/** One golden vector: a value of a type, in the protobufjs object form (enums by name, 64-bit as strings). */
export interface VectorSpec {
  name: string;
  type: string;
  note: string;
  value: Record<string, unknown>;
  /** Bytes quoted in wire-protocol.md, when the vector reproduces a documented example. */
  documentedHex?: string;
}

const text = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const base64 = (hex: string): string => Buffer.from(hex.replace(/\s/g, ''), 'hex').toString('base64');
const UUID_HEX = '8f5b1e2a447c4d6e9a3b0c1122334455';

/** The golden vectors (exported so the test can tell when the fixtures are stale). */
export const VECTORS: VectorSpec[] = [
  {
    name: 'status-update-ack-example-a',
    type: 'mesos.internal.StatusUpdateAcknowledgementMessage',
    note: 'wire-protocol.md 1.6 Example A body (68 bytes)',
    value: {
      slave_id: { value: '20240101-S0' },
      framework_id: { value: '20240101-0000' },
      task_id: { value: 'task-000000001' },
      uuid: base64(UUID_HEX),
    },
    documentedHex:
      `0a0d0a0b${text('20240101-S0')}120f0a0d${text('20240101-0000')}1a100a0e${text('task-000000001')}` +
      `2210${UUID_HEX}`,
  },
  {
    name: 'ping-slave',
    type: 'mesos.internal.PingSlaveMessage',
    note: 'wire-protocol.md 1.6 Example B body',
    value: { connected: true },
    documentedHex: '0801',
  },
  {
    name: 'pong-slave',
    type: 'mesos.internal.PongSlaveMessage',
    note: 'wire-protocol.md 1.6 Example C: empty body',
    value: {},
    documentedHex: '',
  },
  {
    name: 'v0-scheduler-call-subscribe',
    type: 'mesos.scheduler.Call',
    note: 'wire-protocol.md 3.5: v0 SUBSCRIBE with force (field 2 of Call.Subscribe)',
    value: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'fw' }, force: true } },
    documentedHex: '10011a0e0a0a0a04726f6f741202667710 01'.replace(/\s/g, ''),
  },
  {
    name: 'v1-scheduler-call-subscribe',
    type: 'mesos.v1.scheduler.Call',
    note: 'wire-protocol.md 3.5 and 4.4: v1 SUBSCRIBE (no force)',
    value: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'fw' } } },
    documentedHex: '10011a0c0a0a0a04726f6f7412026677',
  },
  {
    name: 'v1-scheduler-event-heartbeat',
    type: 'mesos.v1.scheduler.Event',
    note: 'wire-protocol.md 4.3: HEARTBEAT event',
    value: { type: 'HEARTBEAT' },
    documentedHex: '0808',
  },
  {
    name: 'v1-executor-event-heartbeat',
    type: 'mesos.v1.executor.Event',
    note: 'executor HEARTBEAT = 9 (wire-protocol.md 4.8)',
    value: { type: 'HEARTBEAT' },
    documentedHex: '0809',
  },
  {
    name: 'v1-master-call-get-health',
    type: 'mesos.v1.master.Call',
    note: 'operator GET_HEALTH = 1 (wire-protocol.md 4.8)',
    value: { type: 'GET_HEALTH' },
    documentedHex: '0801',
  },
  {
    name: 'v1-master-call-drain-agent',
    type: 'mesos.v1.master.Call',
    note: 'DRAIN_AGENT with a google.protobuf.Duration (imported well-known type)',
    value: {
      type: 'DRAIN_AGENT',
      drain_agent: { agent_id: { value: 'S1' }, max_grace_period: { seconds: '30', nanos: 500 }, mark_gone: true },
    },
  },
  {
    name: 'resource-offers',
    type: 'mesos.internal.ResourceOffersMessage',
    note: 'two offers with scalar, ranges and set resources, attributes and pids',
    value: {
      offers: [
        {
          id: { value: 'O-1' },
          framework_id: { value: 'F-1' },
          slave_id: { value: 'S-1' },
          hostname: 'agent1.example',
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
            { name: 'mem', type: 'SCALAR', scalar: { value: 1024.5 } },
            {
              name: 'ports',
              type: 'RANGES',
              ranges: {
                range: [
                  { begin: '31000', end: '32000' },
                  { begin: '1', end: '18446744073709551615' },
                ],
              },
            },
            { name: 'disks', type: 'SET', set: { item: ['sda', 'sdb'] }, role: 'web' },
          ],
          attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }],
          executor_ids: [{ value: 'E-1' }],
        },
        {
          id: { value: 'O-2' },
          framework_id: { value: 'F-1' },
          slave_id: { value: 'S-2' },
          hostname: 'agent2.example',
          resources: [{ name: 'gpus', type: 'SCALAR', scalar: { value: 0.001 } }],
        },
      ],
      pids: ['slave(1)@10.0.0.2:5051', 'slave(1)@10.0.0.3:5051'],
    },
  },
  {
    name: 'status-update-message',
    type: 'mesos.internal.StatusUpdateMessage',
    note: 'StatusUpdate with TaskStatus and double timestamps',
    value: {
      update: {
        framework_id: { value: '20240101-0000' },
        executor_id: { value: 'exec-1' },
        slave_id: { value: '20240101-S0' },
        status: {
          task_id: { value: 'task-000000001' },
          state: 'TASK_RUNNING',
          message: 'running: ünïcode ok',
          source: 'SOURCE_EXECUTOR',
          reason: 'REASON_COMMAND_EXECUTOR_FAILED',
          data: base64('00ff7f80'),
          slave_id: { value: '20240101-S0' },
          timestamp: 1724439540.123456,
          uuid: base64(UUID_HEX),
          healthy: false,
        },
        timestamp: 1724439540.5,
        uuid: base64(UUID_HEX),
        latest_state: 'TASK_FINISHED',
      },
      pid: 'slave(1)@10.0.0.2:5051',
    },
  },
  {
    name: 'exited-executor-negative-status',
    type: 'mesos.internal.ExitedExecutorMessage',
    note: 'negative int32 (status = -1) is a 10-byte varint',
    value: {
      slave_id: { value: 'S' },
      framework_id: { value: 'F' },
      executor_id: { value: 'E' },
      status: -1,
    },
    documentedHex: '0a030a01531203 0a0146 1a030a0145 20ffffffffffffffffff01'.replace(/\s/g, ''),
  },
  {
    name: 'int64-min',
    type: 'mesos.TimeInfo',
    note: 'int64 minimum',
    value: { nanoseconds: '-9223372036854775808' },
    documentedHex: '0880808080808080808001',
  },
  {
    name: 'int64-max',
    type: 'mesos.DurationInfo',
    note: 'int64 maximum',
    value: { nanoseconds: '9223372036854775807' },
    documentedHex: '08ffffffffffffffff7f',
  },
  {
    name: 'uint64-extremes',
    type: 'mesos.internal.log.PromiseRequest',
    note: 'uint64 maximum and 2^63 (above int64)',
    value: { proposal: '18446744073709551615', position: '9223372036854775808' },
    documentedHex: '08ffffffffffffffffff011080808080808080808001',
  },
  {
    name: 'uint64-zero',
    type: 'mesos.internal.log.PromiseRequest',
    note: 'explicitly set zero is still encoded (proto2 presence)',
    value: { proposal: '0', position: '0' },
    documentedHex: '08001000',
  },
  {
    name: 'bytes-all-values',
    type: 'mesos.internal.FrameworkToExecutorMessage',
    note: 'bytes field holding every byte value 0..255',
    value: {
      slave_id: { value: 'S' },
      framework_id: { value: 'F' },
      executor_id: { value: 'E' },
      data: Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('base64'),
    },
  },
  {
    name: 'repeated-uint32',
    type: 'mesos.HealthCheck.HTTPCheckInfo',
    note: 'repeated uint32 (not packed in Mesos) and an enum field with a default',
    value: { protocol: 'IPv6', scheme: 'https', port: 8080, path: '/health', statuses: [200, 0, 4294967295] },
  },
  {
    name: 'double-infinity',
    type: 'mesos.Value.Scalar',
    note: 'double +infinity',
    value: { value: 'Infinity' },
    documentedHex: '09000000000000f07f',
  },
  {
    name: 'double-negative-infinity',
    type: 'mesos.Value.Scalar',
    note: 'double -infinity',
    value: { value: '-Infinity' },
    documentedHex: '09000000000000f0ff',
  },
  {
    name: 'map-single-entry',
    type: 'mesos.v1.quota.QuotaConfig',
    note: 'map<string, Value.Scalar> with one entry (several entries have no defined order in protoc)',
    value: { role: 'dev', guarantees: { cpus: { value: 2.5 } } },
  },
  {
    name: 'oneof-attribute-constraint',
    type: 'mesos.v1.scheduler.AttributeConstraint',
    note: 'two oneofs (selector, predicate)',
    value: { selector: { attribute_name: 'rack' }, predicate: { text_equals: { value: 'r1' } } },
  },
  {
    name: 'oneof-pseudoattribute',
    type: 'mesos.v1.scheduler.AttributeConstraint',
    note: 'oneof holding an enum and an empty message',
    value: { selector: { pseudoattribute_type: 'ZONE' }, predicate: { exists: {} } },
  },
  {
    name: 'update-slave-operations',
    type: 'mesos.internal.UpdateSlaveMessage',
    note: 'UpdateSlaveMessage.Operations.operations must be mesos.Operation (Appendix B pitfall)',
    value: {
      slave_id: { value: 'S' },
      update_oversubscribed_resources: false,
      operations: {
        operations: [
          {
            framework_id: { value: 'F' },
            info: { type: 'RESERVE', id: { value: 'op-1' } },
            latest_status: { state: 'OPERATION_FINISHED', operation_id: { value: 'op-1' } },
            uuid: { value: base64(UUID_HEX) },
          },
        ],
      },
    },
  },
  {
    name: 'log-write-append',
    type: 'mesos.internal.log.WriteRequest',
    note: 'replicated log append carrying opaque bytes',
    value: {
      proposal: '7',
      position: '42',
      learned: true,
      type: 'APPEND',
      append: { bytes: base64('0801120568656c6c6f'), cksum: base64('dead') },
    },
  },
  {
    name: 'authentication-step',
    type: 'mesos.internal.AuthenticationStepMessage',
    note: 'CRAM-MD5 client response',
    value: { data: Buffer.from('principal 0123456789abcdef0123456789abcdef').toString('base64') },
  },
  {
    name: 'legacy-new-master-detected',
    type: 'mesos.internal.NewMasterDetectedMessage',
    note: 'legacy message (<= 0.15.x) whose only field is number 2',
    value: { pid: 'master@10.0.0.1:5050' },
  },
  {
    name: 'test-scalars-extremes',
    type: 'mesos_wire.test.Scalars',
    note: 'every scalar type at an extreme, plus a negative enum value',
    value: {
      f_double: -0.1,
      f_float: 0.5,
      f_int32: -2147483648,
      f_int64: '-9223372036854775808',
      f_uint32: 4294967295,
      f_uint64: '18446744073709551615',
      f_sint32: -2147483648,
      f_sint64: '-9223372036854775808',
      f_fixed32: 4294967295,
      f_fixed64: '18446744073709551615',
      f_sfixed32: -2147483648,
      f_sfixed64: '-9223372036854775808',
      f_bool: true,
      f_string: 'tab\there "quoted" \\ ünï',
      f_bytes: base64('00011f207e7f80ff'),
      f_colour: 'NEGATIVE',
    },
  },
  {
    name: 'test-repeated-packed',
    type: 'mesos_wire.test.Repeated',
    note: 'packed and unpacked repeated fields, including a negative packed enum',
    value: {
      unpacked_int32: [1, -1, 300],
      packed_int32: [1, -1, 300, 0],
      packed_sint64: ['-1', '1', '-9223372036854775808', '9223372036854775807'],
      packed_double: [0, -0.5, 'Infinity', 1e300],
      packed_fixed32: [0, 1, 4294967295],
      packed_bool: [true, false, true],
      packed_colour: ['BLUE', 'NEGATIVE', 'RED'],
      packed_uint64: ['0', '18446744073709551615'],
      strings: ['', 'a', 'ü'],
      messages: [{}, { f_int32: 1 }],
    },
  },
];

/** Loads proto/ (and the test-only schema) with protobufjs, keeping proto field names. */
function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target.startsWith('/') ? target : target === TEST_SCHEMA ? join(FIXTURES_DIR, target) : join(PROTO_DIR, target);
  root.loadSync([...listProtoFiles(PROTO_DIR), TEST_SCHEMA], { keepCase: true });
  root.resolveAll();
  return root;
}

// Text format for protoc: string bytes escaped in octal, so the text is plain ASCII.
function quoteBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

function scalarText(field: protobuf.Field, value: unknown): string {
  if (field.resolvedType instanceof protobuf.Enum) return String(value);
  switch (field.type) {
    case 'string':
      return quoteBytes(Buffer.from(String(value), 'utf8'));
    case 'bytes':
      return quoteBytes(Buffer.from(String(value), 'base64'));
    case 'double':
    case 'float': {
      if (value === 'Infinity') return 'inf';
      if (value === '-Infinity') return '-inf';
      if (value === 'NaN') return 'nan';
      return Object.is(value, -0) ? '-0' : String(value);
    }
    default:
      return String(value);
  }
}

/** Renders a value (protobufjs object form) as protobuf text format, in field-declaration order. */
export function toTextFormat(type: protobuf.Type, value: Record<string, unknown>, indent = ''): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(value)) {
    if (!type.fields[key]) throw new Error(`${type.fullName} has no field ${key}`);
  }
  for (const field of type.fieldsArray) {
    const v = value[field.name];
    if (v === undefined) continue;
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const one = (element: unknown): void => {
      if (nested) {
        lines.push(`${indent}${field.name} {`);
        lines.push(...toTextFormat(nested, element as Record<string, unknown>, `${indent}  `));
        lines.push(`${indent}}`);
      } else lines.push(`${indent}${field.name}: ${scalarText(field, element)}`);
    };
    if (field instanceof protobuf.MapField) {
      for (const [k, entry] of Object.entries(v as Record<string, unknown>)) {
        const key = field.keyType === 'string' ? quoteBytes(Buffer.from(k, 'utf8')) : k;
        lines.push(`${indent}${field.name} {`, `${indent}  key: ${key}`);
        if (nested) {
          lines.push(`${indent}  value {`);
          lines.push(...toTextFormat(nested, entry as Record<string, unknown>, `${indent}    `));
          lines.push(`${indent}  }`);
        } else lines.push(`${indent}  value: ${scalarText(field, entry)}`);
        lines.push(`${indent}}`);
      }
    } else if (field.repeated) (v as unknown[]).forEach(one);
    else one(v);
  }
  return lines;
}

function protocVersion(protoc: string): string {
  const run = spawnSync(protoc, ['--version'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`cannot run ${protoc}`);
  return run.stdout.trim();
}

const LABELS: Record<string, string> = {
  LABEL_OPTIONAL: 'optional',
  LABEL_REQUIRED: 'required',
  LABEL_REPEATED: 'repeated',
};

/** protoc's view of one field: rule, scalar type or full type name (no leading dot), map key/value types. */
function describeField(
  field: FieldDescriptor,
  owner: MessageDescriptor,
  mapEntries: Map<string, MessageDescriptor>,
): Record<string, unknown> {
  const typeOf = (f: FieldDescriptor): string =>
    f.typeName ? f.typeName.slice(1) : f.type.replace('TYPE_', '').toLowerCase();
  const entry = field.typeName ? mapEntries.get(field.typeName) : undefined;
  if (entry && field.label === 'LABEL_REPEATED') {
    const key = entry.field!.find((f) => f.number === 1)!;
    const value = entry.field!.find((f) => f.number === 2)!;
    const map: Record<string, unknown> = { name: field.name, id: field.number, map: true, keyType: typeOf(key) };
    map.type = typeOf(value);
    if (value.type === 'TYPE_ENUM' || value.type === 'TYPE_MESSAGE')
      map.kind = value.type === 'TYPE_ENUM' ? 'enum' : 'message';
    return map;
  }
  const out: Record<string, unknown> = {
    name: field.name,
    id: field.number,
    rule: LABELS[field.label],
    type: typeOf(field),
  };
  if (field.type === 'TYPE_ENUM' || field.type === 'TYPE_MESSAGE')
    out.kind = field.type === 'TYPE_ENUM' ? 'enum' : 'message';
  if (field.defaultValue !== undefined) out.default = field.defaultValue;
  if (field.options?.packed !== undefined) out.packed = field.options.packed;
  if (field.options?.deprecated !== undefined) out.deprecated = field.options.deprecated;
  if (field.oneofIndex !== undefined) out.oneof = owner.oneofDecl![field.oneofIndex]!.name;
  return out;
}

/** field-types.json: protoc's resolution of every message field and enum of proto/. */
function fieldTypes(files: FileDescriptor[], version: string): unknown {
  const mapEntries = new Map<string, MessageDescriptor>();
  for (const file of files) {
    forEachMessage(file, (m, fullName) => {
      if (m.options?.mapEntry) mapEntries.set(fullName, m);
    });
  }
  const messages: Record<string, unknown> = {};
  const enums: Record<string, unknown> = {};
  const fileOf: Record<string, string> = {};
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    forEachMessage(file, (m, fullName) => {
      if (m.options?.mapEntry) return;
      messages[fullName.slice(1)] = (m.field ?? []).map((f) => describeField(f, m, mapEntries));
      fileOf[fullName.slice(1)] = file.name;
    });
    forEachEnum(file, (e, fullName) => {
      enums[fullName.slice(1)] = Object.fromEntries((e.value ?? []).map((v) => [v.name, v.number]));
      fileOf[fullName.slice(1)] = file.name;
    });
  }
  return { generatedBy: `node scripts/make-proto-vectors.ts (${version})`, messages, enums, files: fileOf };
}

// JSON with one line per top-level entry of each map, so diffs of the fixture stay readable.
function compactJson(data: Record<string, unknown>): string {
  const parts = Object.entries(data).map(([key, value]) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const inner = Object.entries(value).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
      return `  ${JSON.stringify(key)}: {\n${inner.join(',\n')}\n  }`;
    }
    return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
  });
  return `{\n${parts.join(',\n')}\n}\n`;
}

function main(protoc: string): void {
  const version = protocVersion(protoc);
  const files = listProtoFiles(PROTO_DIR);
  const set = compileDescriptorSet(protoc, [PROTO_DIR], files);
  writeFileSync(
    join(FIXTURES_DIR, 'field-types.json'),
    compactJson(fieldTypes(set, version) as Record<string, unknown>),
  );

  const root = loadRoot();
  rmSync(VECTORS_DIR, { recursive: true, force: true });
  mkdirSync(VECTORS_DIR, { recursive: true });
  const manifest: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const spec of VECTORS) {
    if (seen.has(spec.name)) throw new Error(`duplicate vector name ${spec.name}`);
    seen.add(spec.name);
    const type = root.lookupType(spec.type);
    const input = `${toTextFormat(type, spec.value).join('\n')}\n`;
    const encode = spawnSync(
      protoc,
      [`-I${PROTO_DIR}`, `-I${FIXTURES_DIR}`, `--encode=${spec.type}`, ...files, TEST_SCHEMA],
      { input, maxBuffer: 1 << 24 },
    );
    if (encode.status !== 0) throw new Error(`protoc --encode=${spec.type} (${spec.name}) failed: ${encode.stderr}`);
    const bytes = encode.stdout;
    const hex = bytes.toString('hex');
    if (spec.documentedHex !== undefined && spec.documentedHex !== hex) {
      throw new Error(`${spec.name}: protoc gives ${hex}, documented ${spec.documentedHex}`);
    }
    writeFileSync(join(VECTORS_DIR, `${spec.name}.txt`), input);
    writeFileSync(join(VECTORS_DIR, `${spec.name}.bin`), bytes);
    manifest.push({
      name: spec.name,
      type: spec.type,
      note: spec.note,
      text: `${spec.name}.txt`,
      binary: `${spec.name}.bin`,
      length: bytes.length,
      hex,
      ...(spec.documentedHex !== undefined ? { documented: true } : {}),
      value: spec.value,
    });
  }
  const header = { generatedBy: `node scripts/make-proto-vectors.ts (${version})`, vectors: manifest };
  writeFileSync(join(VECTORS_DIR, 'manifest.json'), `${JSON.stringify(header, null, 2)}\n`);
  const written = readdirSync(VECTORS_DIR).length;
  process.stdout.write(`wrote field-types.json and ${manifest.length} vectors (${written} files) with ${version}\n`);
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--protoc');
  main(at >= 0 && args[at + 1] ? args[at + 1]! : 'protoc');
}
