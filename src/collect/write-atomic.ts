// Atomic writes moved to src/fs/atomic-write.ts; this keeps the old import path working.
export * from "../fs/atomic-write.js";
