/**
 * The generated schema bundle (`gen/bundle.json`, written by `scripts/gen-proto-bundle.ts`).
 * `schema.ts` builds the default Root from it on first use; importing this module has no
 * other effect (the JSON text is parsed on import, the protobufjs objects are built later).
 */
import bundle from './gen/bundle.json' with { type: 'json' };

/** The .proto files (import paths) the bundle was generated from. */
export const BUNDLE_FILES: readonly string[] = bundle.files;

/** The bundle's Root descriptor, as produced by protobufjs `root.toJSON()`. */
export const BUNDLE_ROOT_JSON: unknown = bundle.root;
