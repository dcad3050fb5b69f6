// What a failure of the destination tells the user: the links refused, the source that changed
// after it was hashed, or the place that could not be written.
import { SOURCE_CHANGED } from "../fs/copy-verified.js";
import { linkInOutput, sourceChanged, unexpected, writeFailed, type CollectProblem } from "./problems.js";
import { LinksInOutput, TargetError } from "./target.js";

/** The problems of a run stopped by `error`; anything but a `TargetError` is unexpected (a bug, or a callback that threw). */
export function failureProblems(error: unknown): CollectProblem[] {
  if (!(error instanceof TargetError)) return [unexpected(error)];
  const { where, error: cause } = error;
  if (cause instanceof LinksInOutput) return cause.links.map((link) => linkInOutput(link.path, link.target));
  const { code, path } = cause as NodeJS.ErrnoException;
  if (code === SOURCE_CHANGED) return [sourceChanged(path ?? where)];
  if (typeof code === "string") return [writeFailed(where, cause)];
  return [unexpected(cause)];
}
