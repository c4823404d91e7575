/**
 * Loads the project's proto/ with protobufjs for the schema tests: from the local files only (the
 * google/protobuf imports come from protobufjs's bundled copies), with proto field names kept.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));
export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/proto/', import.meta.url));
/** The test-only schema in fixtures/proto (every scalar type, packed fields). */
export const TEST_SCHEMA = 'wire-test.proto';

/** Every .proto file under proto/, as import paths ('mesos/mesos.proto'), sorted. */
export function protoFiles(): string[] {
  const out: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.proto')) out.push(relative(PROTO_DIR, path).split(sep).join('/'));
    }
  };
  walk(PROTO_DIR);
  return out.sort();
}

/** What a load asked the file system for, so tests can prove nothing outside proto/ was read. */
export interface LoadedSchemas {
  root: protobuf.Root;
  requested: string[];
}

/** Loads `files` (import paths; default: all of proto/) into a fresh root and resolves every reference. */
export function loadSchemas(files: string[] = protoFiles(), options: { withTestSchema?: boolean } = {}): LoadedSchemas {
  const root = new protobuf.Root();
  const requested: string[] = [];
  root.resolvePath = (_origin, target) => {
    requested.push(target);
    if (target.startsWith('/')) return target;
    return target === TEST_SCHEMA ? join(FIXTURES_DIR, target) : join(PROTO_DIR, target);
  };
  root.loadSync(options.withTestSchema ? [...files, TEST_SCHEMA] : files, { keepCase: true });
  root.resolveAll();
  return { root, requested };
}

/** Every message type and enum under a namespace, depth first. */
export function allTypes(ns: protobuf.NamespaceBase): { types: protobuf.Type[]; enums: protobuf.Enum[] } {
  const types: protobuf.Type[] = [];
  const enums: protobuf.Enum[] = [];
  const walk = (at: protobuf.NamespaceBase): void => {
    for (const item of at.nestedArray) {
      if (item instanceof protobuf.Type) types.push(item);
      if (item instanceof protobuf.Enum) enums.push(item);
      if (item instanceof protobuf.Namespace || item instanceof protobuf.Type) walk(item);
    }
  };
  walk(ns);
  return { types, enums };
}
