import type { Reference } from "./find-references.js";

export type CollectProblemCode =
  /** A reference to a file that is in none of the roots. */
  | "REFERENCE_NOT_FOUND"
  /** A reference that climbs above the roots (never read). */
  | "REFERENCE_OUTSIDE_ROOTS"
  /** A source map reference to a missing `.map`: always only a warning. */
  | "SOURCE_MAP_NOT_FOUND"
  /** A stylesheet that is not UTF-8, so its references cannot be rewritten safely. */
  | "NOT_UTF8"
  /** A file or folder of the roots that cannot be read. */
  | "UNREADABLE"
  /** Two files that would be written under the same name with different contents. */
  | "NAME_CLASH"
  /** A root file named like the manifest, which the manifest replaces. */
  | "MANIFEST_SHADOWED"
  /** A copy or the manifest that cannot be written. */
  | "WRITE_FAILED"
  /** A symbolic link inside the output folder where a file would be written through it. */
  | "LINK_IN_OUTPUT"
  /** A file of the roots that changed between being hashed and being copied. */
  | "SOURCE_CHANGED"
  /** A hashed name longer than the 255 bytes a file name may take. */
  | "NAME_TOO_LONG"
  /** A file or folder of the roots whose name is not valid UTF-8: not collected. */
  | "NAME_NOT_UTF8"
  /** An error collect did not expect: what the run wrote is removed. */
  | "UNEXPECTED";

/** Something `collect` has to say about a file: an error stops the collect, a warning does not. */
export interface CollectProblem {
  readonly severity: "error" | "warning";
  readonly code: CollectProblemCode;
  /** The complete message: the file, its line and the reference, and what to do. */
  readonly message: string;
  /** Name (relative to the roots) of the file the problem is in. */
  readonly file?: string;
  /** 1-based line of the reference. */
  readonly line?: number;
  /** The reference as written. */
  readonly reference?: string;
}

/** How a reference reads in a message: `url(../img/a.png)`, `@import "x.css"`, `sourceMappingURL=app.js.map`. */
export function describeReference(reference: Reference): string {
  if (reference.kind === "url") return `url(${reference.url})`;
  if (reference.kind === "import") return `@import "${reference.url}"`;
  return `sourceMappingURL=${reference.url}`;
}

interface ReferenceProblem {
  readonly file: string;
  readonly reference: Reference;
  readonly severity: "error" | "warning";
}

const AS_WRITTEN = "the reference is left as written";
const OR_WARN = "or pass --missing warn (missing: \"warn\") to collect anyway";

export function referenceNotFound({ file, reference, severity }: ReferenceProblem, target: string, roots: readonly string[], isFolder: boolean): CollectProblem {
  const where = `${file}, line ${reference.line}: ${describeReference(reference)}`;
  const sourceMap = reference.kind === "sourceMappingURL" || target.endsWith(".map");
  const what = isFolder ? `refers to ${target}, which is a folder, not a file` : `refers to ${target}, which is in none of the roots (${roots.join(", ")})`;
  const message =
    sourceMap || severity === "warning"
      ? `${where} ${what}; ${AS_WRITTEN}.`
      : `${where} ${what}: add the file or fix the reference, ${OR_WARN}.`;
  return {
    severity: sourceMap ? "warning" : severity,
    code: sourceMap ? "SOURCE_MAP_NOT_FOUND" : "REFERENCE_NOT_FOUND",
    message,
    file,
    line: reference.line,
    reference: reference.url,
  };
}

export function referenceOutsideRoots({ file, reference, severity }: ReferenceProblem, target: string): CollectProblem {
  const where = `${file}, line ${reference.line}: ${describeReference(reference)}`;
  const what = `leads outside the roots (to ${target}), so it was not read`;
  const message = severity === "warning" ? `${where} ${what}; ${AS_WRITTEN}.` : `${where} ${what}: point it at a file inside the roots, ${OR_WARN}.`;
  return { severity, code: "REFERENCE_OUTSIDE_ROOTS", message, file, line: reference.line, reference: reference.url };
}

export function notUtf8(file: string, path: string, offset: number, line: number): CollectProblem {
  return {
    severity: "error",
    code: "NOT_UTF8",
    message: `${file} (${path}) is not valid UTF-8 (first bad byte at offset ${offset}, line ${line}): save the stylesheet as UTF-8 so its references can be rewritten.`,
    file,
    line,
  };
}

export function unreadable(file: string, path: string, error: unknown): CollectProblem {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return {
    severity: "error",
    code: "UNREADABLE",
    message: `${file} cannot be read at ${path} (${reason}): check its permissions, or remove it from the roots.`,
    file,
  };
}

export function unreadableFolder(path: string, error: unknown): CollectProblem {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return {
    severity: "error",
    code: "UNREADABLE",
    message: `${path} in the roots cannot be read (${reason}): check its permissions, or the link it is (ELOOP is a link loop), or remove it from the roots.`,
  };
}

export function nameClash(output: string, first: string, second: string): CollectProblem {
  return {
    severity: "error",
    code: "NAME_CLASH",
    message: `${output} would be written twice with different contents (for ${first} and for ${second}): rename one of the source files.`,
    file: second,
  };
}

export function manifestShadowed(file: string, manifestName: string): CollectProblem {
  return {
    severity: "warning",
    code: "MANIFEST_SHADOWED",
    message: `${file} is not collected: the manifest is written under that name (${manifestName}). Rename the file to collect it.`,
    file,
  };
}

export function writeFailed(target: string, error: unknown): CollectProblem {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return {
    severity: "error",
    code: "WRITE_FAILED",
    message: `${target} cannot be written (${reason}): check that the output folder is writable and has room; staticfiles.json was left as it was.`,
  };
}

export function linkInOutput(path: string, target: string): CollectProblem {
  return {
    severity: "error",
    code: "LINK_IN_OUTPUT",
    message: `${path} is a symbolic link (to ${target}) inside the output folder: collect never writes through a link. Remove it (or make it a real folder) and run again; nothing was written.`,
  };
}

export function sourceChanged(path: string): CollectProblem {
  return {
    severity: "error",
    code: "SOURCE_CHANGED",
    message: `${path} changed while collect copied it, after its hash was taken: nothing was written under a name that does not match its bytes. Run collect again once the files stop changing.`,
  };
}

export function nameTooLong(file: string, hashedName: string, bytes: number): CollectProblem {
  return {
    severity: "error",
    code: "NAME_TOO_LONG",
    message: `${file}: its hashed name ${hashedName} would take ${bytes} bytes, more than the 255 a file name may have: shorten the file's name.`,
    file,
  };
}

export function nameNotUtf8(file: string, root: string): CollectProblem {
  return {
    severity: "warning",
    code: "NAME_NOT_UTF8",
    message: `${file} in ${root} is not collected: its name is not valid UTF-8 (bytes shown escaped as \\xNN). Rename it to a UTF-8 name to collect it.`,
    file,
  };
}

export function unexpected(error: unknown): CollectProblem {
  const what =
    error instanceof Error ? `${error.name}: ${error.message}` : typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error);
  return {
    severity: "error",
    code: "UNEXPECTED",
    message: `collect stopped on an unexpected error (${what}): what this run wrote was removed and staticfiles.json was left as it was.`,
  };
}
