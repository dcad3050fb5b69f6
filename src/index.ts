// The package entry `static-hash`: the core and the build step, as their users need them. Adapters
// and tests import the internals (names, hashing, the manifest) from their own modules.
export { StaticFiles, type Lookup } from "./core/static-files.js";
export { StaticFileError, isStaticFileError, type StaticFileErrorCode } from "./core/errors.js";
export type { StaticFilesOptions, Mode, MissingPolicy, SharedCache } from "./core/options.js";
export type { HashAlgorithm, IntegrityAlgorithm } from "./core/hash.js";
export {
  collect,
  type CollectOptions,
  type CollectResult,
  type CollectManifest,
  type CollectProblem,
  type CollectProblemCode,
  type CollectProgress,
  type CollectStats,
} from "./collect/index.js";
export type { ViteManifest, ViteChunk, ViteOptions, ViteTagsOptions } from "./vite.js";
