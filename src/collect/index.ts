// The package entry `static-hash/collect`: the build step and its types.
export { collect, type CollectResult, type CollectManifest, type CollectStats } from "./collect.js";
export type { CollectOptions, CollectProgress } from "./options.js";
export type { CollectProblem, CollectProblemCode } from "./problems.js";
