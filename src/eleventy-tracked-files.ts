/**
 * The `StaticFiles` an Eleventy build's templates call, remembering what they asked for: the names
 * (filename mode copies those files) and the URLs printed (eleventy-img's transform leaves those alone).
 */
import type { IntegrityAlgorithm, StaticFiles } from "./index.js";

export class TrackedFiles {
  /** Every name a page asked for, as written (`css/app.css?v=1`), in any build of this Eleventy so far. */
  readonly names = new Set<string>();
  /** Every URL `static` printed, before any HTML escaping. */
  readonly urls = new Set<string>();
  /** The same object as the `StaticFiles` given, except that `url`, `hash` and `integrity` remember their names. */
  readonly files: StaticFiles;

  constructor(files: StaticFiles) {
    const { names, urls } = this;
    const remembering = {
      url(name: string): string {
        const url = files.url(name);
        if (typeof name === "string") names.add(name);
        urls.add(url);
        return url;
      },
      hash(name: string): string {
        const hash = files.hash(name);
        if (typeof name === "string") names.add(name);
        return hash;
      },
      integrity(name: string, algorithm?: IntegrityAlgorithm): string {
        const integrity = files.integrity(name, algorithm);
        if (typeof name === "string") names.add(name);
        return integrity;
      },
    };
    // A Proxy rather than a subclass: `instanceof StaticFiles` holds, and every other member is the original's own.
    this.files = new Proxy(files, {
      get(target, key) {
        if (Object.hasOwn(remembering, key)) return remembering[key as keyof typeof remembering];
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }
}
