import type { RemoteObject } from "./remote-listing.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const VARIANT_ENDINGS = [".br", ".gz"];

/**
 * The keys `--delete-older-than` removes: objects under the prefix that the folder being published
 * does not hold, last modified more than `days` ago. A precompressed variant (`x.css.br`) goes only
 * with its file (whatever its own age), or when its file is already gone from the bucket. The
 * manifest is never deleted.
 */
export function planDeletions({
  remote,
  keep,
  manifestKey,
  days,
  now,
}: {
  remote: ReadonlyMap<string, RemoteObject>;
  keep: ReadonlySet<string>;
  manifestKey: string;
  days: number;
  now: number;
}): string[] {
  const cutoff = now - days * DAY_MS;
  const old = (key: string) => {
    const modified = remote.get(key)?.lastModified?.getTime();
    return modified !== undefined && modified < cutoff;
  };
  const baseOf = (key: string) => {
    const ending = VARIANT_ENDINGS.find((suffix) => key.endsWith(suffix));
    const base = ending === undefined ? undefined : key.slice(0, -ending.length);
    return base !== undefined && (remote.has(base) || keep.has(base)) ? base : undefined;
  };
  const doomed = new Set<string>();
  for (const key of remote.keys()) {
    if (key === manifestKey || keep.has(key) || baseOf(key) !== undefined) continue;
    if (old(key)) doomed.add(key);
  }
  for (const key of remote.keys()) {
    const base = baseOf(key);
    if (base !== undefined && !keep.has(key) && doomed.has(base)) doomed.add(key);
  }
  return [...doomed].sort();
}
