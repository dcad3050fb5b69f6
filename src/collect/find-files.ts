// The walker moved to src/fs/walk.ts; this keeps the old import path working.
export * from "../fs/walk.js";
