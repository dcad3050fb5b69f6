export { collect, MANIFEST_NAME, MANIFEST_VERSION, type CollectResult, type CollectManifest, type CollectStats } from "./collect.js";
export type { CollectOptions, CollectProgress } from "./options.js";
export type { CollectProblem, CollectProblemCode } from "./problems.js";
export { findCssReferences, findJsReferences, type Reference } from "./find-references.js";
export { writeFileAtomic } from "../fs/atomic-write.js";
