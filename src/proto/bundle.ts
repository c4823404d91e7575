/**
 * Registers the generated schema bundle as the default Root's source. The JSON module
 * is parsed when this module loads (a few milliseconds); the protobufjs reflection
 * objects are only built on first use.
 */
import bundle from './gen/bundle.json' with { type: 'json' };
import { setBundleLoader } from './schema.ts';

/** The .proto files (import paths) the bundle was generated from. */
export const BUNDLE_FILES: readonly string[] = bundle.files;

setBundleLoader(() => bundle.root);
