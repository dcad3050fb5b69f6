export { publish, type PublishOptions, type PublishProgress, type PublishResult } from "./publish.js";
export { PublishError, type PublishErrorCode } from "./errors.js";
export type { PublishProblem, PublishProblemCode } from "./problems.js";
export type { S3ClientLike } from "./s3-sdk.js";
export { parseDestination, type Destination } from "./destination.js";
