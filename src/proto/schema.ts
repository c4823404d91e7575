/**
 * The protobuf schemas: a protobufjs Root built from the project's own `proto/` files.
 *
 * At run time the Root comes from a generated JSON bundle (`src/proto/gen/bundle.json`,
 * written by `scripts/gen-proto-bundle.ts`): parsing a JSON descriptor is several times
 * faster than tokenising .proto text, which matters for CLI start-up. The default Root is
 * built from the bundle on first use, not on import, and needs no registration step (no
 * side-effect import). Tests and tools may build a Root from .proto text with
 * `buildRootFromSources` and install it with `setDefaultRoot`.
 *
 * Field names are kept as written (snake_case), as Mesos JSON needs them.
 */
import protobuf from 'protobufjs';
import { mwError } from '../errors.ts';
import { BUNDLE_ROOT_JSON } from './bundle.ts';

/** protobufjs reflection types, re-exported for the other proto modules. */
export type PbRoot = protobuf.Root;
/** A message type. */
export type PbType = protobuf.Type;
/** An enum type. */
export type PbEnum = protobuf.Enum;
/** A field of a message type. */
export type PbField = protobuf.Field;
/** A package or a message type's nested scope. */
export type PbNamespace = protobuf.Namespace;

/** The protobufjs runtime (CJS default export), for the other proto modules. */
export const pb = protobuf;

/** Result of building a Root: the Root and what did not go as planned. */
export interface BuiltRoot {
  root: PbRoot;
  /** Imports that were not among the sources, references rewritten or left unresolved. */
  warnings: string[];
}

/**
 * Builds a Root from .proto texts keyed by import path (relative to the include root,
 * e.g. `mesos/mesos.proto`). `google/protobuf/*` imports come from protobufjs's bundled
 * well-known types. Relative type references are re-resolved with protoc's scoping rules
 * (protobufjs searches nested namespaces, which protoc does not; wire-protocol.md App. B),
 * then every reference is resolved.
 *
 * @throws MesosWireError MW_INVALID_ARGUMENT when a file does not parse or a type cannot be resolved.
 */
export function buildRootFromSources(sources: Readonly<Record<string, string>>): BuiltRoot {
  const root = new protobuf.Root();
  const warnings: string[] = [];
  const wellKnownAdded = new Set<string>();
  const files = Object.keys(sources).sort();
  for (const file of files) {
    let parsed: protobuf.IParserResult;
    try {
      parsed = protobuf.parse(sources[file]!, root, { keepCase: true });
    } catch (e) {
      throw mwError('MW_INVALID_ARGUMENT', `${file}: ${(e as Error).message}`, { cause: e });
    }
    for (const imp of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (imp.startsWith('google/protobuf/')) {
        if (wellKnownAdded.has(imp)) continue;
        const json = protobuf.common.get(imp);
        if (json === null || json === undefined) {
          warnings.push(`${file}: import ${imp} is not a bundled well-known type`);
          continue;
        }
        wellKnownAdded.add(imp);
        root.addJSON((json as { nested: Record<string, protobuf.AnyNestedObject> }).nested);
      } else if (!(imp in sources)) {
        warnings.push(`${file}: import ${imp} is not among the sources`);
      }
    }
  }
  applyProtocScoping(root, warnings);
  try {
    root.resolveAll();
  } catch (e) {
    throw mwError('MW_INVALID_ARGUMENT', `schema does not resolve: ${(e as Error).message}`, { cause: e });
  }
  return { root, warnings };
}

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

function isTypeLike(obj: protobuf.ReflectionObject | null | undefined): obj is protobuf.Type | protobuf.Enum {
  return obj instanceof protobuf.Type || obj instanceof protobuf.Enum;
}

function nestedChild(ns: protobuf.ReflectionObject | null, name: string): protobuf.ReflectionObject | null {
  if (!(ns instanceof protobuf.Namespace)) return null;
  return ns.nested?.[name] ?? null;
}

/**
 * protoc's lookup: try the first name component in each enclosing scope, innermost
 * first; a single-component name must denote a type there; a dotted name is looked up
 * completely inside the first scope whose child matches its first component.
 */
export function resolveLikeProtoc(scope: protobuf.Namespace, name: string): protobuf.Type | protobuf.Enum | null {
  if (name.startsWith('.')) {
    let cur: protobuf.ReflectionObject | null = scope.root;
    for (const part of name.slice(1).split('.')) cur = nestedChild(cur, part);
    return isTypeLike(cur) ? cur : null;
  }
  const parts = name.split('.');
  for (let s: protobuf.Namespace | null = scope; s !== null; s = s.parent) {
    const first = nestedChild(s, parts[0]!);
    if (first === null) continue;
    if (parts.length === 1) {
      if (isTypeLike(first)) return first;
      continue;
    }
    if (!(first instanceof protobuf.Namespace)) continue;
    let cur: protobuf.ReflectionObject | null = first;
    for (const part of parts.slice(1)) cur = nestedChild(cur, part);
    return isTypeLike(cur) ? cur : null;
  }
  return null;
}

function applyProtocScoping(ns: protobuf.Namespace, warnings: string[]): void {
  for (const child of ns.nestedArray) {
    if (child instanceof protobuf.Type) {
      for (const field of child.fieldsArray) {
        if (SCALARS.has(field.type) || field.type.startsWith('.')) continue;
        const target = resolveLikeProtoc(child, field.type);
        if (target === null) {
          warnings.push(`${child.fullName.slice(1)}.${field.name}: type ${field.type} not found by protoc rules`);
          continue;
        }
        field.type = target.fullName; // absolute, with the leading dot
      }
    }
    if (child instanceof protobuf.Namespace) applyProtocScoping(child, warnings);
  }
}

let defaultRoot: PbRoot | undefined;

/**
 * Packages under `mesos` that nothing outside them refers to and that libprocess decoding
 * never needs: the v1 API schemas (half of the bundle) and the v0 operator API. They are
 * built into the default Root when one of their types is first looked up.
 */
const DEFERRED_PACKAGES = ['v1', 'master', 'agent'] as const;

/** Deferred parts of the bundle not built yet, by package name under `mesos`. */
const pending = new Map<string, protobuf.INamespace>();

/** Replaces the default Root (tests, tools); `undefined` goes back to the generated bundle. */
export function setDefaultRoot(root: PbRoot | undefined): void {
  defaultRoot = root;
  pending.clear();
}

type NamespaceJson = protobuf.INamespace & { nested?: Record<string, NamespaceJson> };

/**
 * The default Root: the one `setDefaultRoot` installed, else the generated bundle, built
 * on first use (see DEFERRED_PACKAGES).
 */
export function getDefaultRoot(): PbRoot {
  if (defaultRoot === undefined) {
    const json = BUNDLE_ROOT_JSON as NamespaceJson;
    const mesos = json.nested?.mesos;
    if (mesos?.nested === undefined) defaultRoot = protobuf.Root.fromJSON(json);
    else {
      const kept: Record<string, NamespaceJson> = {};
      for (const [name, child] of Object.entries(mesos.nested)) {
        if ((DEFERRED_PACKAGES as readonly string[]).includes(name)) pending.set(name, child);
        else kept[name] = child;
      }
      defaultRoot = protobuf.Root.fromJSON({ ...json, nested: { ...json.nested, mesos: { ...mesos, nested: kept } } });
    }
  }
  return defaultRoot;
}

/** Builds one deferred package (or all of them) into the default Root. */
function loadPending(root: PbRoot, only?: string): void {
  if (pending.size === 0 || root !== defaultRoot) return;
  const mesos = root.lookup('.mesos');
  if (!(mesos instanceof protobuf.Namespace)) return;
  for (const [name, json] of [...pending]) {
    if (only !== undefined && name !== only) continue;
    pending.delete(name);
    const ns = protobuf.Namespace.fromJSON(name, json);
    mesos.add(ns);
    // Root.fromJSON resolves features (proto2 `required`, closed enums, ...) and references
    // eagerly; a namespace added later must be resolved the same way.
    ns.resolveAll();
  }
}

/** The message type with this full name (no leading dot), or undefined. */
export function findType(root: PbRoot, fullName: string): PbType | undefined {
  const name = fullName.startsWith('.') ? fullName : `.${fullName}`;
  if (pending.size > 0 && name.startsWith('.mesos.')) {
    const pkg = name.slice(7, name.indexOf('.', 7) >>> 0);
    if (pending.has(pkg)) loadPending(root, pkg);
  }
  const found = root.lookup(name);
  return found instanceof protobuf.Type ? found : undefined;
}

/** Every message type in the Root, depth first, by full name (no leading dot). */
export function allTypes(root: PbRoot): PbType[] {
  loadPending(root);
  const out: PbType[] = [];
  const walk = (ns: protobuf.Namespace): void => {
    for (const child of ns.nestedArray) {
      if (child instanceof protobuf.Type) out.push(child);
      if (child instanceof protobuf.Namespace) walk(child);
    }
  };
  walk(root);
  return out;
}

/** The full name of a type without the leading dot. */
export function typeName(type: PbType | PbEnum): string {
  return type.fullName.startsWith('.') ? type.fullName.slice(1) : type.fullName;
}
