// Compares the project's proto/ with an Apache Mesos checkout, declaration by declaration, and prints every
// difference. Both trees are compiled by protoc into descriptor sets, so the comparison sees exactly what protoc
// sees: files, packages, imports, options, messages, fields (name, number, label, type, resolved type name,
// default, json name, oneof, options, declaration order), oneofs, reserved ranges and names, enums and values.
//
// Run by hand (not in CI); needs protoc (Debian: apt-get install protobuf-compiler):
//   node scripts/check-protos.ts /path/to/mesos [--git-dir /path/to/mesos.git] [--protoc protoc]
// Exit status: 0 no difference, 1 differences found, 2 usage or tool error.
//
// proto/mesos-wire/legacy/ holds messages that HEAD no longer defines; with git history (--git-dir, or a .git in
// the checkout) each is compared with the release that last defined it (LEGACY_SOURCES below).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** Absolute path of the project's proto/ directory (the include root of every schema file). */
export const PROTO_DIR = fileURLToPath(new URL('../proto/', import.meta.url));

/** Directory (relative to proto/) of the messages that upstream HEAD no longer defines. */
export const LEGACY_DIR = 'mesos-wire/legacy';

/** Where each legacy message was last defined upstream: a release tag and the file in that tree. */
export const LEGACY_SOURCES: Record<string, { tag: string; file: string }> = {
  '.mesos.internal.NoMasterDetectedMessage': { tag: '0.15.0', file: 'src/messages/messages.proto' },
  '.mesos.internal.NewMasterDetectedMessage': { tag: '0.15.0', file: 'src/messages/messages.proto' },
  '.mesos.internal.GotMasterTokenMessage': { tag: 'release-0.9.0-incubating-RC5', file: 'src/messages/messages.proto' },
  '.mesos.internal.HeartbeatMessage': { tag: '0.20.1', file: 'src/messages/messages.proto' },
  '.mesos.internal.FrameworkExpiredMessage': { tag: '0.20.1', file: 'src/messages/messages.proto' },
  '.mesos.internal.RegisterProjdMessage': { tag: '0.20.1', file: 'src/messages/messages.proto' },
  '.mesos.internal.ProjdReadyMessage': { tag: '0.20.1', file: 'src/messages/messages.proto' },
  '.mesos.internal.ProjdUpdateResourcesMessage': { tag: '0.20.1', file: 'src/messages/messages.proto' },
  '.mesos.internal.log.LearnRequest': { tag: '0.16.0', file: 'src/messages/log.proto' },
  '.mesos.internal.log.LearnResponse': { tag: '0.16.0', file: 'src/messages/log.proto' },
};

// The subset of google.protobuf descriptor messages this script reads (protobufjs toObject output, enums as names).
/** A field (FieldDescriptorProto). */
export interface FieldDescriptor {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName?: string;
  defaultValue?: string;
  oneofIndex?: number;
  jsonName?: string;
  options?: Record<string, unknown>;
  proto3Optional?: boolean;
  extendee?: string;
}
/** An enum (EnumDescriptorProto). */
export interface EnumDescriptor {
  name: string;
  value?: { name: string; number: number; options?: Record<string, unknown> }[];
  options?: Record<string, unknown>;
  reservedRange?: { start: number; end: number }[];
  reservedName?: string[];
}
/** A message (DescriptorProto). */
export interface MessageDescriptor {
  name: string;
  field?: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
  enumType?: EnumDescriptor[];
  oneofDecl?: { name: string; options?: Record<string, unknown> }[];
  reservedRange?: { start: number; end: number }[];
  reservedName?: string[];
  extensionRange?: { start: number; end: number }[];
  extension?: FieldDescriptor[];
  options?: Record<string, unknown>;
}
/** A file (FileDescriptorProto). */
export interface FileDescriptor {
  name: string;
  package?: string;
  syntax?: string;
  dependency?: string[];
  publicDependency?: number[];
  weakDependency?: number[];
  messageType?: MessageDescriptor[];
  enumType?: EnumDescriptor[];
  extension?: FieldDescriptor[];
  service?: unknown[];
  options?: Record<string, unknown>;
}

const requireJson = createRequire(import.meta.url);
const descriptorRoot = protobuf.Root.fromJSON(requireJson('protobufjs/google/protobuf/descriptor.json'));
const FileDescriptorSet = descriptorRoot.lookupType('google.protobuf.FileDescriptorSet');

/** Every .proto file under `dir`, as import paths relative to it ('/'-separated, sorted). */
export function listProtoFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.proto')) out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Where an import path of proto/ lives in an upstream checkout (`mesos/...` under include/, the rest under src/). */
export function upstreamPath(importPath: string): string {
  return importPath.startsWith('mesos/') ? `include/${importPath}` : `src/${importPath}`;
}

/**
 * Runs protoc on `files` (import paths) with the include directories given, and returns the decoded descriptor set
 * (with imports, without source info). Throws with protoc's message when it fails.
 */
export function compileDescriptorSet(protoc: string, includeDirs: string[], files: string[]): FileDescriptor[] {
  const work = mkdtempSync(join(tmpdir(), 'mesos-wire-protoc-'));
  try {
    const out = join(work, 'set.pb');
    const args = [...includeDirs.map((d) => `-I${d}`), '--include_imports', `--descriptor_set_out=${out}`, ...files];
    const run = spawnSync(protoc, args, { encoding: 'utf8' });
    if (run.error) throw new Error(`cannot run ${protoc}: ${run.error.message}`);
    if (run.status !== 0) throw new Error(`protoc failed (${includeDirs.join(', ')}):\n${run.stderr}`);
    const decoded = FileDescriptorSet.decode(readFileSync(out));
    const plain = FileDescriptorSet.toObject(decoded, { enums: String, longs: String, defaults: false }) as {
      file?: FileDescriptor[];
    };
    return plain.file ?? [];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Calls `visit` for every message (nested ones too) of a file, with its fully qualified name ('.pkg.Outer.Inner'). */
export function forEachMessage(
  file: FileDescriptor,
  visit: (message: MessageDescriptor, fullName: string) => void,
): void {
  const walk = (message: MessageDescriptor, scope: string): void => {
    const fullName = `${scope}.${message.name}`;
    visit(message, fullName);
    for (const nested of message.nestedType ?? []) walk(nested, fullName);
  };
  const scope = file.package ? `.${file.package}` : '';
  for (const message of file.messageType ?? []) walk(message, scope);
}

/** Calls `visit` for every enum (top level and nested) of a file, with its fully qualified name. */
export function forEachEnum(file: FileDescriptor, visit: (enumType: EnumDescriptor, fullName: string) => void): void {
  const scope = file.package ? `.${file.package}` : '';
  for (const e of file.enumType ?? []) visit(e, `${scope}.${e.name}`);
  forEachMessage(file, (message, fullName) => {
    for (const e of message.enumType ?? []) visit(e, `${fullName}.${e.name}`);
  });
}

// A stable text for option objects and lists, so that two trees compare by string equality.
function canonical(value: unknown): string {
  if (value === undefined) return '(none)';
  if (Array.isArray(value)) return `[${value.map(canonical).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${k}: ${canonical(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

const ranges = (list: { start: number; end: number }[] | undefined): string[] =>
  (list ?? []).map((r) => `${r.start}..${r.end}`);

/** What a tree declares: entity ('field .mesos.X.y') -> attribute ('number') -> value (a text or a list of texts). */
export type Facts = Map<string, Map<string, string | string[]>>;

function entity(facts: Facts, name: string): Map<string, string | string[]> {
  let attributes = facts.get(name);
  if (!attributes) facts.set(name, (attributes = new Map()));
  return attributes;
}

/** Facts of one message and its fields. */
function messageFacts(message: MessageDescriptor, fullName: string, facts: Facts): void {
  const m = entity(facts, `message ${fullName}`);
  m.set('options', canonical(message.options));
  m.set(
    'fields in declaration order',
    (message.field ?? []).map((f) => f.name),
  );
  m.set(
    'nested types',
    (message.nestedType ?? []).map((n) => n.name),
  );
  m.set(
    'nested enums',
    (message.enumType ?? []).map((n) => n.name),
  );
  m.set('oneofs', (message.oneofDecl ?? []).map(canonical));
  m.set('reserved ranges', ranges(message.reservedRange));
  m.set('reserved names', message.reservedName ?? []);
  m.set('extension ranges', ranges(message.extensionRange));
  m.set('extensions', (message.extension ?? []).map(canonical));
  for (const field of message.field ?? []) {
    const f = entity(facts, `field ${fullName}.${field.name}`);
    f.set('number', String(field.number));
    f.set('label', field.label);
    f.set('type', field.type);
    f.set('type name', field.typeName ?? '(scalar)');
    f.set('default', field.defaultValue ?? '(none)');
    f.set('json name', field.jsonName ?? '(none)');
    const oneof = field.oneofIndex === undefined ? undefined : message.oneofDecl?.[field.oneofIndex]?.name;
    f.set('oneof', oneof ?? '(none)');
    f.set('proto3 optional', String(field.proto3Optional ?? false));
    f.set('options', canonical(field.options));
  }
}

function enumFacts(e: EnumDescriptor, fullName: string, facts: Facts): void {
  const attributes = entity(facts, `enum ${fullName}`);
  attributes.set('options', canonical(e.options));
  attributes.set(
    'values in declaration order',
    (e.value ?? []).map((v) => `${v.name}=${v.number}`),
  );
  attributes.set('reserved ranges', ranges(e.reservedRange));
  attributes.set('reserved names', e.reservedName ?? []);
  for (const v of e.value ?? []) entity(facts, `enum value ${fullName}.${v.name}`).set('options', canonical(v.options));
}

/** Every fact of the named files of a descriptor set, for comparison with another set. */
export function fileFacts(files: FileDescriptor[], names: ReadonlySet<string>): Facts {
  const facts: Facts = new Map();
  for (const file of files) {
    if (!names.has(file.name)) continue;
    const f = entity(facts, `file ${file.name}`);
    f.set('package', file.package ?? '(none)');
    f.set('syntax', file.syntax ?? '(proto2)');
    f.set('imports', file.dependency ?? []);
    f.set('public imports', (file.publicDependency ?? []).map(String));
    f.set('weak imports', (file.weakDependency ?? []).map(String));
    f.set('options', canonical(file.options));
    f.set(
      'top-level messages',
      (file.messageType ?? []).map((m) => m.name),
    );
    f.set(
      'top-level enums',
      (file.enumType ?? []).map((m) => m.name),
    );
    f.set('extensions', (file.extension ?? []).map(canonical));
    f.set('services', (file.service ?? []).map(canonical));
    forEachMessage(file, (message, fullName) => {
      messageFacts(message, fullName, facts);
      entity(facts, `message ${fullName}`).set('file', file.name);
    });
    forEachEnum(file, (e, fullName) => {
      enumFacts(e, fullName, facts);
      entity(facts, `enum ${fullName}`).set('file', file.name);
    });
  }
  return facts;
}

/** Facts of selected messages only (by full name), wherever they are defined. */
function selectedMessageFacts(files: FileDescriptor[], wanted: ReadonlySet<string>): Facts {
  const facts: Facts = new Map();
  for (const file of files) {
    forEachMessage(file, (message, fullName) => {
      if (wanted.has(fullName)) messageFacts(message, fullName, facts);
    });
  }
  return facts;
}

// One attribute's difference: lists show what was added, removed or reordered; texts show both values.
function describeChange(a: string | string[], b: string | string[], theirsLabel: string): string {
  if (Array.isArray(a) && Array.isArray(b)) {
    const extra = a.filter((x) => !b.includes(x));
    const missing = b.filter((x) => !a.includes(x));
    const parts: string[] = [];
    if (extra.length) parts.push(`only in proto/: ${extra.join(', ')}`);
    if (missing.length) parts.push(`only in ${theirsLabel}: ${missing.join(', ')}`);
    if (!parts.length) parts.push(`order differs: proto/ ${canonical(a)}; ${theirsLabel} ${canonical(b)}`);
    return parts.join('; ');
  }
  return `proto/ has ${canonical(a)}; ${theirsLabel} has ${canonical(b)}`;
}

/** Human-readable lines for every difference between two fact maps (empty when equal). */
export function diffFacts(ours: Facts, theirs: Facts, theirsLabel: string): string[] {
  const lines: string[] = [];
  const names = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
  for (const name of names) {
    const a = ours.get(name);
    const b = theirs.get(name);
    if (!a) {
      lines.push(`- only in ${theirsLabel}: ${name}`);
      continue;
    }
    if (!b) {
      lines.push(`+ only in proto/: ${name}`);
      continue;
    }
    for (const attribute of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const x = a.get(attribute) ?? '(absent)';
      const y = b.get(attribute) ?? '(absent)';
      if (canonical(x) !== canonical(y)) lines.push(`~ ${name} ${attribute}: ${describeChange(x, y, theirsLabel)}`);
    }
  }
  return lines;
}

function gitDirOf(checkout: string, explicit: string | undefined): string | undefined {
  if (explicit) return explicit;
  if (existsSync(join(checkout, '.git'))) return join(checkout, '.git');
  return undefined;
}

// Extracts the .proto files of one upstream release into a temporary directory.
function exportTag(gitDir: string, tag: string, into: string): void {
  const list = spawnSync('git', [`--git-dir=${gitDir}`, 'ls-tree', '-r', '--name-only', tag], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`git ls-tree ${tag} failed: ${list.stderr}`);
  const protos = list.stdout.split('\n').filter((p) => p.endsWith('.proto'));
  const archive = spawnSync('git', [`--git-dir=${gitDir}`, 'archive', '--format=tar', tag, ...protos], {
    maxBuffer: 1 << 30,
  });
  if (archive.status !== 0) throw new Error(`git archive ${tag} failed: ${archive.stderr}`);
  const untar = spawnSync('tar', ['-x', '-C', into], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
}

interface CheckResult {
  lines: string[];
  notes: string[];
  differences: number;
}

/** Compares proto/ (minus the legacy directory) with upstream HEAD files, then legacy messages with their releases. */
export function checkProtos(checkout: string, options: { protoc: string; gitDir?: string }): CheckResult {
  const lines: string[] = [];
  const notes: string[] = [];
  const all = listProtoFiles(PROTO_DIR);
  const mirrored = all.filter((f) => !f.startsWith(`${LEGACY_DIR}/`));
  const legacy = all.filter((f) => f.startsWith(`${LEGACY_DIR}/`));

  const present = mirrored.filter((f) => existsSync(join(checkout, upstreamPath(f))));
  for (const f of mirrored) {
    if (!present.includes(f)) lines.push(`- file missing upstream: ${upstreamPath(f)} (proto/${f})`);
  }
  const ours = compileDescriptorSet(options.protoc, [PROTO_DIR], mirrored);
  const theirs = compileDescriptorSet(options.protoc, [join(checkout, 'include'), join(checkout, 'src')], present);
  const names = new Set(mirrored);
  const ourFacts = fileFacts(ours, names);
  const theirFacts = fileFacts(theirs, names);
  lines.push(...diffFacts(ourFacts, theirFacts, 'upstream'));
  const count = (prefix: string): number => [...ourFacts.keys()].filter((k) => k.startsWith(prefix)).length;
  notes.push(
    `compared ${mirrored.length} files: ${count('message ')} messages, ${count('field ')} fields, ` +
      `${count('enum ') - count('enum value ')} enums, ${count('enum value ')} enum values`,
  );
  const upstreamOnly = listProtoFiles(join(checkout, 'include'))
    .map((f) => `include/${f}`)
    .concat(listProtoFiles(join(checkout, 'src')).map((f) => `src/${f}`))
    .filter((p) => !mirrored.some((f) => upstreamPath(f) === p));
  notes.push(`upstream files not mirrored in proto/: ${upstreamOnly.length}: ${upstreamOnly.join(' ')}`);

  // Legacy messages: compile ours (they import HEAD files from proto/), then each source release.
  const legacySet = compileDescriptorSet(options.protoc, [PROTO_DIR], legacy);
  const legacyNames = new Set<string>();
  for (const file of legacySet) {
    if (legacy.includes(file.name)) forEachMessage(file, (_m, fullName) => legacyNames.add(fullName));
  }
  for (const name of legacyNames) {
    if (!LEGACY_SOURCES[name]) lines.push(`+ legacy message without a source release in LEGACY_SOURCES: ${name}`);
  }
  const gitDir = gitDirOf(checkout, options.gitDir);
  if (!gitDir) {
    notes.push(`legacy messages NOT checked (${legacyNames.size}): no git history; pass --git-dir`);
    return { lines, notes, differences: lines.length };
  }
  const byTag = new Map<string, string[]>();
  for (const [name, source] of Object.entries(LEGACY_SOURCES)) {
    byTag.set(source.tag, [...(byTag.get(source.tag) ?? []), name]);
  }
  for (const [tag, wanted] of byTag) {
    const work = mkdtempSync(join(tmpdir(), 'mesos-wire-tag-'));
    try {
      exportTag(gitDir, tag, work);
      const files = [...new Set(wanted.map((n) => LEGACY_SOURCES[n]!.file))];
      // Old trees import "mesos.proto" (include/mesos) or "mesos/mesos.proto" (include); offer both roots.
      const includes = [join(work, 'include'), join(work, 'include', 'mesos'), join(work, 'src')];
      const set = compileDescriptorSet(
        options.protoc,
        includes,
        files.map((f) => join(work, f)),
      );
      const wantedSet = new Set(wanted);
      const diff = diffFacts(selectedMessageFacts(legacySet, wantedSet), selectedMessageFacts(set, wantedSet), tag);
      lines.push(...diff);
      notes.push(`legacy: ${wanted.length} messages compared with ${tag}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { lines, notes, differences: lines.length };
}

function usage(): never {
  process.stderr.write('usage: node scripts/check-protos.ts /path/to/mesos [--git-dir DIR] [--protoc PATH]\n');
  process.exit(2);
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  let checkout: string | undefined;
  let gitDir: string | undefined;
  let protoc = 'protoc';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--git-dir') gitDir = args[++i] ?? usage();
    else if (arg === '--protoc') protoc = args[++i] ?? usage();
    else if (arg.startsWith('-') || checkout !== undefined) usage();
    else checkout = arg;
  }
  if (checkout === undefined || !existsSync(join(checkout, 'include', 'mesos', 'mesos.proto'))) usage();
  try {
    const result = checkProtos(checkout, { protoc, gitDir });
    for (const line of result.lines) process.stdout.write(`${line}\n`);
    for (const note of result.notes) process.stdout.write(`note: ${note}\n`);
    process.stdout.write(
      result.differences === 0
        ? 'no differences\n'
        : `${result.differences} difference(s) between proto/ and upstream\n`,
    );
    process.exitCode = result.differences === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
