/**
 * Vite: the names of Vite's `.vite/manifest.json` as static names, and the HTML that loads an entry.
 *
 *     const files = new StaticFiles({ roots: ["static", "dist"], vite: { manifest: "dist/.vite/manifest.json" } });
 *     files.url("src/main.ts");      //=> "/static/assets/main-COZ2aeDD.js" (Vite hashed it already)
 *     files.viteTags("src/main.ts"); //=> <link rel="stylesheet" …> <script type="module" …> <link rel="modulepreload" …>
 *
 * Every tag carries `crossorigin`, as the HTML Vite writes itself does: module scripts and modulepreloads are
 * fetched in CORS mode whatever the page says, and Vite's own preload helper adds stylesheets with
 * `crossorigin` too, so every request for a file is made in one mode and a preloaded chunk is reused.
 */
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkOptionNames } from "./core/check-options.js";
import { StaticFileError } from "./core/errors.js";
import { INTEGRITY_ALGORITHMS, type IntegrityAlgorithm } from "./core/hash.js";
import { digestFile } from "./fs/digest.js";
import { sameSignature, signatureOf, type FileSignature } from "./fs/signature.js";
import { readManifestText } from "./core/manifest.js";
import { appendQueryAndFragment, encodePath, parseName, type ParsedName } from "./core/names.js";
import type { ResolvedOptions } from "./core/options.js";

/** One chunk or asset of Vite's manifest, with only the keys this module reads. */
export interface ViteChunk {
  /** The built file, relative to Vite's `outDir`: `assets/main-COZ2aeDD.js`. */
  readonly file: string;
  /** Stylesheets this chunk imports (built files). */
  readonly css: readonly string[];
  /** Other files this chunk imports (images, fonts: built files). */
  readonly assets: readonly string[];
  /** Manifest keys of the chunks this chunk imports statically. */
  readonly imports: readonly string[];
}

/** A parsed `.vite/manifest.json`. */
export interface ViteManifest {
  /** Manifest key (`src/main.ts`, `_shared-DXTi3Aoi.js`) -> chunk. */
  readonly chunks: ReadonlyMap<string, ViteChunk>;
  /** Every built file the manifest lists (`file`, `css`, `assets`): Vite put a content hash in each name. */
  readonly builtFiles: ReadonlySet<string>;
  readonly signature: FileSignature;
}

/** `viteTags(entry, options)`: `integrity: true` adds `integrity="sha384-…"` to every tag (or name the algorithm). */
export interface ViteTagsOptions {
  integrity?: boolean | IntegrityAlgorithm;
}

/** The `vite` option of `StaticFiles`. */
export interface ViteOptions {
  /** Path of Vite's `.vite/manifest.json` (written by `vite build` with `build.manifest: true`). */
  manifest?: string;
  /** Origin of the Vite dev server (`"http://localhost:5173"`, plus Vite's `base` when it is not `/`): everything Vite comes from there. */
  devServer?: string;
}

export interface ResolvedViteOptions {
  /** Absolute path of the manifest; `undefined` when only a dev server is given. */
  readonly manifest: string | undefined;
  /** The dev server's URL without a trailing `/`; when set, the manifest is never read. */
  readonly devServer: string | undefined;
}

const VITE_KEYS = ["manifest", "devServer"];

/** Checks the `vite` option; a bad one is a `STATIC_CONFIG` error saying what to fix. */
export function resolveViteOptions(value: unknown, resolvePath: (path: string) => string): ResolvedViteOptions | undefined {
  if (value === undefined) return undefined;
  const example = '{ manifest: "dist/.vite/manifest.json" } or { devServer: "http://localhost:5173" }';
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StaticFileError("STATIC_CONFIG", `Option \`vite\` must be an object such as ${example}; got ${JSON.stringify(value) ?? typeof value}.`);
  }
  checkOptionNames(value, VITE_KEYS, "`vite`");
  const { manifest, devServer } = value as ViteOptions;
  if (manifest !== undefined && (typeof manifest !== "string" || manifest.length === 0 || manifest.includes("\0"))) {
    throw new StaticFileError("STATIC_CONFIG", `Option \`vite.manifest\` must be the path of Vite's manifest, such as "dist/.vite/manifest.json"; got ${JSON.stringify(manifest)}.`);
  }
  let server: string | undefined;
  if (devServer !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof devServer === "string" ? new URL(devServer) : undefined;
    } catch {
      // Reported below with what to write instead.
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash || /["'<>`\s]/.test(devServer as string)) {
      throw new StaticFileError("STATIC_CONFIG", `Option \`vite.devServer\` must be the dev server's http(s) origin, such as "http://localhost:5173"; got ${JSON.stringify(devServer)}.`);
    }
    server = (devServer as string).replace(/\/+$/, "");
  }
  if (manifest === undefined && server === undefined) {
    throw new StaticFileError("STATIC_CONFIG", `Option \`vite\` needs \`manifest\` (production) or \`devServer\` (development), as in ${example}.`);
  }
  return { manifest: manifest === undefined ? undefined : resolvePath(manifest), devServer: server };
}

/** Parses the text of Vite's manifest; `source` names it in errors. Keys this module does not read are ignored. */
export function parseViteManifest(text: string, source: string, signature: FileSignature): ViteManifest {
  const rebuild = "build again with `vite build` (with `build.manifest: true`)";
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    throw new StaticFileError("STATIC_MANIFEST", `Vite's manifest ${source} is not valid JSON (${(cause as Error).message}): ${rebuild}.`, { cause });
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new StaticFileError("STATIC_MANIFEST", `Vite's manifest ${source} is not a JSON object of chunks: ${rebuild}.`);
  }
  const chunks = new Map<string, ViteChunk>();
  const builtFiles = new Set<string>();
  const bad = (key: string, what: string) =>
    new StaticFileError("STATIC_MANIFEST", `Vite's manifest ${source} has ${what} for ${JSON.stringify(key)}: ${rebuild}.`);
  const builtFile = (key: string, value: unknown, field: string): string => {
    if (typeof value !== "string" || value.length === 0) throw bad(key, `no file name in "${field}"`);
    let parsed: ParsedName;
    try {
      parsed = parseName(value);
    } catch {
      throw bad(key, `${JSON.stringify(value)} in "${field}", not a file inside its outDir,`);
    }
    if (parsed.directory || parsed.query !== undefined || parsed.fragment !== undefined) throw bad(key, `${JSON.stringify(value)} in "${field}", not a file name,`);
    builtFiles.add(parsed.path);
    return parsed.path;
  };
  const list = (key: string, value: unknown, field: string): unknown[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw bad(key, `a "${field}" that is not a list`);
    return value;
  };
  for (const [key, chunk] of Object.entries(data)) {
    if (typeof chunk !== "object" || chunk === null || Array.isArray(chunk)) throw bad(key, "an entry that is not an object");
    const fields = chunk as Record<string, unknown>;
    const imports = list(key, fields.imports, "imports");
    for (const imported of imports) if (typeof imported !== "string") throw bad(key, `a non-string in "imports"`);
    chunks.set(key, {
      file: builtFile(key, fields.file, "file"),
      css: list(key, fields.css, "css").map((file) => builtFile(key, file, "css")),
      assets: list(key, fields.assets, "assets").map((file) => builtFile(key, file, "assets")),
      imports: imports as string[],
    });
  }
  return { chunks, builtFiles, signature };
}

/** Reads and parses Vite's manifest; any failure is a `STATIC_MANIFEST` error that names the file. */
export function readViteManifest(file: string): ViteManifest {
  const { text, signature } = readManifestText(
    file,
    (reason) =>
      `Vite's manifest ${file} cannot be read (${reason}): run \`vite build\` with \`build.manifest: true\`, or fix the \`vite.manifest\` option (Vite 5+ writes it to <outDir>/.vite/manifest.json).`,
  );
  return parseViteManifest(text, file, signature);
}

/** What the built files of one entry are, in the order their tags go into the page. */
export interface ViteEntryFiles {
  /** Stylesheets of the entry and of every chunk it imports: an imported chunk's before its importer's, each once. */
  readonly css: readonly string[];
  /** The entry's own file (a stylesheet when the entry is a CSS file). */
  readonly file: string;
  /** Chunks the entry imports statically, directly or not, each once, never the entry. */
  readonly preloads: readonly string[];
}

/**
 * The files of `entry`, walked as Vite walks them for its own HTML: depth first, an imported chunk before
 * its importer, so stylesheets cascade in the order the modules run.
 */
export function entryFiles(manifest: ViteManifest, entry: string, source: string): ViteEntryFiles {
  const root = manifest.chunks.get(entry)!;
  const css = new Set<string>();
  const preloads = new Set<string>();
  const seen = new Set<string>([entry]);
  const visit = (key: string, chunk: ViteChunk) => {
    for (const imported of chunk.imports) {
      if (seen.has(imported)) continue;
      seen.add(imported);
      const importedChunk = manifest.chunks.get(imported);
      if (!importedChunk) {
        throw new StaticFileError("STATIC_MANIFEST", `Vite's manifest ${source} says ${JSON.stringify(key)} imports ${JSON.stringify(imported)}, which it does not list: build again with \`vite build\`.`, { asset: entry });
      }
      visit(imported, importedChunk);
      preloads.add(importedChunk.file);
    }
    for (const file of chunk.css) css.add(file);
  };
  visit(entry, root);
  return { css: [...css], file: root.file, preloads: [...preloads].filter((file) => file !== root.file) };
}

/** Whether a built file is a stylesheet (a CSS entry's `file` is one). */
function isStylesheet(file: string): boolean {
  return /\.css$/i.test(file);
}

const ATTRIBUTE_ESCAPES: Record<string, string> = { "&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;" };

/** An attribute value as HTML needs it; URLs here are already percent-encoded, so only `&` ever changes. */
function attribute(value: string): string {
  return value.replace(/[&"<>]/g, (c) => ATTRIBUTE_ESCAPES[c]);
}

/** What `ViteAssets` needs from the `StaticFiles` it belongs to. */
export interface ViteHost {
  readonly options: ResolvedOptions & { readonly vite?: ResolvedViteOptions };
  /** Applies the `missing` policy: throws under "error", warns once under "warn". */
  missing(parsed: ParsedName, message: string): undefined;
}

/** Where a Vite name leads: as `StaticFiles.lookup` reports it. */
export interface ViteLookup {
  readonly name: ParsedName;
  readonly file: string | undefined;
  readonly hash: string;
  readonly url: string;
}

/** The Vite half of a `StaticFiles`: its manifest, read once and again when it changes (with `watch`). */
export class ViteAssets {
  private manifestData: ViteManifest | undefined;
  // Built file -> its integrity values, with the signature they were computed for (names are content-hashed, but a rebuild may rewrite one).
  private readonly integrities = new Map<string, { signature: FileSignature; values: Map<string, string> }>();

  constructor(
    private readonly host: ViteHost,
    readonly vite: ResolvedViteOptions,
  ) {
    // Production reads the manifest at once, so a missing build fails at start-up rather than on the first page.
    if (!vite.devServer) this.manifestData = readViteManifest(vite.manifest!);
  }

  get devServer(): string | undefined {
    return this.vite.devServer;
  }

  /** The manifest in use (re-read when its file changed, with `watch`); `undefined` in dev mode. */
  manifest(): ViteManifest | undefined {
    if (this.vite.devServer) return undefined;
    const file = this.vite.manifest!;
    if (this.manifestData && this.host.options.watch) {
      let stats;
      try {
        stats = statSync(file, { throwIfNoEntry: false });
      } catch {
        // Reading it again reports why it cannot be read, as STATIC_MANIFEST.
      }
      if (!stats || !sameSignature(signatureOf(stats), this.manifestData.signature)) this.manifestData = undefined;
    }
    return (this.manifestData ??= readViteManifest(file));
  }

  /** Forgets the manifest read (it is read again on next use) and the integrity values computed. */
  invalidate(): void {
    if (!this.vite.devServer) this.manifestData = undefined;
    this.integrities.clear();
  }

  /**
   * `url()` of a name: a manifest key leads to its built file under the roots, with no second hash; in dev
   * mode a name that no root has leads to the dev server. `undefined`: not a Vite name, look it up as usual.
   */
  lookup(parsed: ParsedName): ViteLookup | undefined {
    const server = this.vite.devServer;
    if (server) {
      if (this.findUnderRoots(parsed.path)) return undefined;
      return { name: parsed, file: undefined, hash: "", url: appendQueryAndFragment(`${server}/${encodePath(parsed.path)}`, parsed.query, parsed.fragment) };
    }
    const chunk = this.manifest()!.chunks.get(parsed.path);
    if (!chunk) return undefined;
    const file = this.findUnderRoots(chunk.file);
    if (!file) {
      this.host.missing(parsed, this.notUnderRoots(parsed.path, chunk.file));
      return { name: parsed, file: undefined, hash: "", url: appendQueryAndFragment(this.builtUrl(chunk.file), parsed.query, parsed.fragment) };
    }
    return { name: parsed, file, hash: viteHash(chunk.file), url: appendQueryAndFragment(this.builtUrl(chunk.file), parsed.query, parsed.fragment) };
  }

  /** Whether `path` (relative to the roots, as served) is a file Vite's manifest lists; false in dev mode or while the manifest cannot be read. */
  isBuiltFile(path: string): boolean {
    if (this.vite.devServer) return false;
    try {
      return this.manifest()!.builtFiles.has(path);
    } catch {
      // An unreadable manifest proves nothing: the file is served revalidated.
      return false;
    }
  }

  /** The HTML that loads `entry`: stylesheets, the module script, modulepreloads (dev mode: `@vite/client` and the entry). */
  tags(entry: string, options: ViteTagsOptions = {}): string {
    const algorithm = integrityAlgorithm(options, entry);
    const parsed = parseName(entry);
    if (parsed.directory) throw new StaticFileError("STATIC_INVALID_NAME", `${JSON.stringify(entry)} names a directory; viteTags needs an entry such as "src/main.ts".`, { asset: entry });
    const server = this.vite.devServer;
    if (server) {
      const url = appendQueryAndFragment(`${server}/${encodePath(parsed.path)}`, parsed.query, parsed.fragment);
      const client = `<script type="module" src="${attribute(`${server}/@vite/client`)}"></script>`;
      return `${client}\n${isStylesheet(parsed.path) ? `<link rel="stylesheet" href="${attribute(url)}">` : `<script type="module" src="${attribute(url)}"></script>`}`;
    }
    const manifest = this.manifest()!;
    if (!manifest.chunks.has(parsed.path)) {
      this.host.missing(
        parsed,
        `Vite entry ${JSON.stringify(parsed.path)} is not in Vite's manifest ${this.vite.manifest}: name it as Vite's build input does, relative to Vite's root (such as "src/main.ts"), and build again.`,
      );
      return "";
    }
    const files = entryFiles(manifest, parsed.path, this.vite.manifest!);
    const paths = new Map<string, string | undefined>();
    for (const file of [...files.css, files.file, ...files.preloads]) {
      const found = this.findUnderRoots(file);
      if (!found) {
        this.host.missing(parsed, this.notUnderRoots(parsed.path, file));
        return "";
      }
      paths.set(file, found);
    }
    const extra = (file: string) => (algorithm ? ` integrity="${this.integrityOf(paths.get(file)!, algorithm)}"` : "") + " crossorigin";
    const stylesheet = (file: string) => `<link rel="stylesheet" href="${attribute(this.builtUrl(file))}"${extra(file)}>`;
    const tags = files.css.map(stylesheet);
    if (isStylesheet(files.file)) {
      if (!files.css.includes(files.file)) tags.push(stylesheet(files.file));
    } else {
      tags.push(`<script type="module" src="${attribute(this.builtUrl(files.file))}"${extra(files.file)}></script>`);
    }
    for (const file of files.preloads) tags.push(`<link rel="modulepreload" href="${attribute(this.builtUrl(file))}"${extra(file)}>`);
    return tags.join("\n");
  }

  private builtUrl(file: string): string {
    return this.host.options.baseUrl + encodePath(file);
  }

  /** The built file as served: under the roots, first root wins (or in the folder of a `collect` manifest). */
  private findUnderRoots(path: string): string | undefined {
    const { manifest, roots } = this.host.options;
    for (const root of manifest ? [dirname(manifest)] : roots) {
      const file = join(root, path);
      try {
        if (statSync(file, { throwIfNoEntry: false })?.isFile()) return file;
      } catch {
        // Not readable as a file there: look in the next root.
      }
    }
    return undefined;
  }

  private notUnderRoots(name: string, file: string): string {
    const { manifest, roots } = this.host.options;
    const outDir = dirname(dirname(this.vite.manifest!));
    const where = manifest ? `the folder of the manifest ${manifest}` : `the roots (${roots.join(", ")})`;
    return `Vite's manifest ${this.vite.manifest} maps ${JSON.stringify(name)} to ${JSON.stringify(file)}, which is not in ${where}: add Vite's outDir (${outDir}) to \`roots\`, or run \`vite build\` again.`;
  }

  /** The SRI value of a built file, kept while the file's signature is unchanged (checked by stat with `watch`). */
  integrityOf(file: string, algorithm: IntegrityAlgorithm): string {
    const known = this.integrities.get(file);
    const value = known?.values.get(algorithm);
    if (known && value && (!this.host.options.watch || sameStatNow(file, known.signature))) return value;
    const result = digestFile(file, [algorithm]);
    const fresh = `${algorithm}-${result.digests.get(algorithm)!.toString("base64")}`;
    const entry = known && sameSignature(known.signature, result.signature) ? known : { signature: result.signature, values: new Map<string, string>() };
    entry.values.set(algorithm, fresh);
    this.integrities.set(file, entry);
    return fresh;
  }
}

function sameStatNow(file: string, signature: FileSignature): boolean {
  try {
    const stats = statSync(file, { throwIfNoEntry: false });
    return stats !== undefined && sameSignature(signatureOf(stats), signature);
  } catch {
    return false;
  }
}

function integrityAlgorithm(options: ViteTagsOptions, entry: string): IntegrityAlgorithm | undefined {
  if (typeof options !== "object" || options === null) {
    throw new StaticFileError("STATIC_CONFIG", `viteTags(entry, options): options must be an object such as { integrity: true }; got ${JSON.stringify(options)}.`, { asset: entry });
  }
  for (const key of Object.keys(options)) {
    if (key !== "integrity") throw new StaticFileError("STATIC_CONFIG", `Unknown viteTags(entry, options) option \`${key}\`; the only option is \`integrity\`.`, { asset: entry });
  }
  const { integrity } = options;
  if (integrity === undefined || integrity === false) return undefined;
  if (integrity === true) return "sha384";
  if ((INTEGRITY_ALGORITHMS as readonly unknown[]).includes(integrity)) return integrity;
  throw new StaticFileError("STATIC_CONFIG", `viteTags option \`integrity\` must be true, false or one of ${INTEGRITY_ALGORITHMS.join(", ")}; got ${JSON.stringify(integrity)}.`, { asset: entry });
}

/** The hash Vite put in a built name as its default `[name]-[hash]` names carry it (8 characters), else `""`. */
export function viteHash(file: string): string {
  const base = file.slice(file.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const match = /-([A-Za-z0-9_-]{8})$/.exec(stem);
  return match ? match[1] : "";
}
