/**
 * Filename mode of the Eleventy plugin: the hashed copies (`static/css/app.<h>.css`) it writes into
 * the output folder after a build, either for the files the build's pages named (and what those
 * files reference, as `collect` finds references) or for every file of the roots.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { StaticFileError, type StaticFiles } from "./index.js";
import { hashedPath } from "./core/names.js";
import { findSourceFiles } from "./fs/walk.js";
import { findCssReferences, findJsReferences } from "./collect/find-references.js";
import { resolveReference } from "./collect/resolve-reference.js";
import { writeFileAtomic } from "./fs/atomic-write.js";
import { SOURCE_CHANGED } from "./fs/copy-verified.js";

/** Which files get a hashed copy: those the pages named (and what they reference), or every file of the roots. */
export type CopyPolicy = "used" | "all";

const SERVED_AT = 'give the path the files are served at, such as "/static/".';

/**
 * The folder, relative to the output folder, that serves `baseUrl`'s path (`"/static/"` -> `static`,
 * `"https://cdn.example.com/a/"` -> `a`). Each segment is percent-decoded first and checked after,
 * so no spelling of `..` (`%2e%2e`, `.%2E`) and no encoded separator can lead out of the output folder.
 */
export function copiesFolderOf(baseUrl: string): string {
  const withoutOrigin = baseUrl.replace(/^(?:[a-z][a-z0-9+.-]*:)?\/\/[^/?#]*/i, "");
  const path = withoutOrigin.slice(0, withoutOrigin.search(/[?#]|$/));
  const folders: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "") continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new StaticFileError("STATIC_CONFIG", `baseUrl ${JSON.stringify(baseUrl)} has a malformed percent escape in ${JSON.stringify(segment)}: write a literal % as %25, or ${SERVED_AT}`);
    }
    if (decoded === "." || decoded === "..") {
      throw new StaticFileError(
        "STATIC_CONFIG",
        `The static-hash Eleventy plugin writes the hashed copies at baseUrl's path inside the output folder, so baseUrl ${JSON.stringify(baseUrl)} must not have "." or ".." segments (${JSON.stringify(segment)}): ${SERVED_AT}`,
      );
    }
    if (/[/\\\0]/.test(decoded)) {
      throw new StaticFileError(
        "STATIC_CONFIG",
        `baseUrl ${JSON.stringify(baseUrl)} has a segment (${JSON.stringify(segment)}) that decodes to a "/", "\\" or NUL, which cannot name a folder of the output: ${SERVED_AT}`,
      );
    }
    folders.push(decoded);
  }
  return folders.join(sep);
}

/** The hashed copies of one plugin instance, across the builds of its Eleventy (watch rebuilds included). */
export class HashedCopies {
  constructor(
    private readonly files: StaticFiles,
    private readonly policy: CopyPolicy,
    private readonly folder: string,
  ) {}

  /**
   * Writes `<output>/<folder>/css/app.<h>.css` for each file to copy (of `used`, the names the pages asked for), byte-identical to its source.
   * A copy that exists is kept: its name carries its content's hash, and it was written atomically.
   * A source that no longer has the hash its pages were given fails the build: the copy would hold other bytes.
   */
  async write(output: string, used: Iterable<string>): Promise<void> {
    const target = join(resolve(output), this.folder);
    const { algorithm } = this.files.options;
    for (const [name, file, hash] of this.policy === "all" ? this.everyFile() : this.usedFiles(used)) {
      const copied = hashedPath(name, hash);
      const copy = join(target, copied);
      if (existsSync(copy)) continue;
      try {
        await writeFileAtomic(copy, { copyOf: file, verify: { algorithm, hex: hash } });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== SOURCE_CHANGED) throw error;
        throw new Error(`static-hash: ${name} changed while Eleventy built the site, so ${copied} would not hold the bytes its hash names; nothing was written for it. Build again.`, { cause: error });
      }
    }
  }

  /** Every file of the roots, found as `collect` finds them (first root wins; dotfiles, `CVS`, `*~` skipped). */
  private *everyFile(): Generator<[name: string, file: string, hash: string]> {
    const sources = findSourceFiles(this.files.roots, (folder, error) => {
      throw new Error(`static-hash cannot list ${folder} to write the hashed copies (${(error as Error).message}): give the build's user read access to it, or remove it from the roots.`, { cause: error });
    });
    for (const name of sources.keys()) {
      if (/[?#\\]/.test(name)) continue; // a name no template can ask for: `?` and `#` start a query or fragment
      const found = this.files.lookup(name);
      if (found.file && found.hash !== "") yield [found.name.path, found.file, found.hash];
    }
  }

  /**
   * The files the pages named, then every file their stylesheets reference (`url()`, `@import`,
   * source maps) and their scripts' source maps, transitively, resolved as `collect` resolves them.
   * A reference to a file that is not there is left to the browser: the copy is the source as it is.
   */
  private *usedFiles(used: Iterable<string>): Generator<[name: string, file: string, hash: string]> {
    const seen = new Set<string>();
    const pending: Array<{ name: string; referenced: boolean }> = [...used].map((name) => ({ name, referenced: false }));
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      let found;
      try {
        found = this.files.lookup(next.name);
      } catch (error) {
        if (next.referenced && error instanceof StaticFileError) continue;
        throw error;
      }
      const path = found.name.path;
      if (seen.has(path) || !found.file || found.hash === "") continue;
      seen.add(path);
      yield [path, found.file, found.hash];
      for (const name of this.referencedBy(path, found.file)) pending.push({ name, referenced: true });
    }
  }

  /** The names a stylesheet or script refers to (none for other files). */
  private referencedBy(name: string, file: string): string[] {
    const find = /\.css$/i.test(name) ? findCssReferences : /\.m?js$/i.test(name) ? findJsReferences : undefined;
    if (!find) return [];
    const names: string[] = [];
    for (const reference of find(readFileSync(file, "utf8"))) {
      const target = resolveReference(reference.url, name, this.files.baseUrl);
      if (target.kind === "name") names.push(target.name);
    }
    return names;
  }
}
