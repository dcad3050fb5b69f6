export { StaticFiles, type Lookup } from "./core/static-files.js";
export { StaticFileError, isStaticFileError, withLocation, type StaticFileErrorCode } from "./core/errors.js";
export type { StaticFilesOptions, ResolvedOptions, Mode, MissingPolicy, SharedCache } from "./core/options.js";
export {
  parseName,
  encodePath,
  hashedPath,
  unhashPath,
  splitExtension,
  type ParsedName,
} from "./core/names.js";
export {
  hashFile,
  hashBytes,
  integrityOf,
  digestFile,
  HASH_ALGORITHMS,
  INTEGRITY_ALGORITHMS,
  type HashAlgorithm,
  type IntegrityAlgorithm,
} from "./core/hash.js";
export { readManifest, parseManifest, MANIFEST_VERSIONS, type Manifest } from "./core/manifest.js";
export {
  collect,
  MANIFEST_NAME,
  type CollectOptions,
  type CollectResult,
  type CollectManifest,
  type CollectProblem,
  type CollectProgress,
  type CollectStats,
} from "./collect/index.js";
export {
  readViteManifest,
  parseViteManifest,
  type ViteManifest,
  type ViteChunk,
  type ViteOptions,
  type ViteTagsOptions,
} from "./vite.js";
