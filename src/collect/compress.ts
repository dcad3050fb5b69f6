/**
 * The compress stage of `collect --compress`: `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip,
 * level 9) next to each compressible output, kept when at most 95% of the file's size. Each distinct
 * content is compressed once (the unhashed original and its hashed copy hold the same bytes), on the
 * worker pool so every core works (brotli with a 4 MiB window, as WhiteNoise's python brotli); a
 * variant of a hashed name is content-addressed, so a rerun finds it in place. A variant gets its file's mtime: the server trusts an unhashed name's variant
 * only while the two agree.
 */
import { join } from "node:path";
import { lstat, readFile, rename, rm, utimes, writeFile } from "node:fs/promises";
import { isCompressible, isEffective, VARIANT_SUFFIX, type Encoding } from "../core/compressible.js";
import type { WorkerPool } from "../fs/worker-pool.js";
import { makeDurable, tempNameFor } from "../fs/atomic-write.js";

export const COLLECT_BROTLI_QUALITY = 11;
export const COLLECT_GZIP_LEVEL = 9;

// brotli at quality 11 takes about a second per MB: a thread that starts in tens of ms pays off well before that.
const BYTES_PER_THREAD = 256 * 1024;

/** An output file of the run, as the compress stage sees it. */
export interface CompressInput {
  /** The name under `out`. */
  readonly name: string;
  /** Full digest of its content: outputs with the same digest are compressed once. */
  readonly hex: string;
  /** True for a hashed name (`app.4e1243.css`): its variants are named after its content too. */
  readonly hashed: boolean;
}

export interface CompressResult {
  /** Every variant in `out` that belongs to this run's outputs (written now or found up to date): `--clear` keeps these. */
  readonly variants: readonly string[];
  /** Variants written by this run. */
  readonly written: number;
  /** Contents compressed by this run (each once, whatever the number of names holding it). */
  readonly compressed: number;
}

interface Member {
  readonly name: string;
  readonly path: string;
  readonly hashed: boolean;
  /** The file's mtime in whole ms, which its variants carry. */
  mtimeMs: number;
}

/** One distinct content: the outputs holding it and, per coding, what is known of its variant. */
interface ContentGroup {
  readonly members: Member[];
  size: number;
  /** Per coding: bytes made or read (or null: not worth it), undefined while unknown. */
  readonly bytes: Partial<Record<Encoding, Buffer | null>>;
  /** Per coding, the members whose variant on disk is up to date. */
  readonly upToDate: Record<Encoding, Set<string>>;
}

/**
 * Writes the variants of `outputs` (already in place under `out`) in the codings asked for; returns
 * them for `--clear`. Written atomically (temporary name, one durability step, rename) before the
 * manifest that names their files. `outputNames` are every output of the run: a variant never
 * takes the name of one (a `x.css.br` collected from the roots stays what it is).
 */
export async function compressOutputs(
  out: string,
  outputs: readonly CompressInput[],
  encodings: readonly Encoding[],
  outputNames: ReadonlySet<string>,
  pool: WorkerPool,
  onProgress?: (done: number, total: number) => void,
): Promise<CompressResult> {
  const groups = new Map<string, ContentGroup>();
  for (const output of outputs) {
    if (!isCompressible(output.name)) continue;
    let group = groups.get(output.hex);
    if (!group) {
      group = { members: [], size: 0, bytes: {}, upToDate: { br: new Set(), gzip: new Set() } };
      groups.set(output.hex, group);
    }
    group.members.push({ name: output.name, path: joinOut(out, output.name), hashed: output.hashed, mtimeMs: 0 });
  }

  // What is in place already: a hashed name's variant, or an unhashed one that still has its file's mtime.
  await inParallel([...groups.values()], 16, async (group) => {
    for (const member of group.members) {
      const stats = await lstat(member.path);
      group.size = stats.size;
      member.mtimeMs = Math.floor(stats.mtimeMs);
      for (const encoding of encodings) {
        const variant = variantName(member.name, encoding);
        if (outputNames.has(variant)) continue;
        const found = await lstat(joinOut(out, variant)).catch(() => undefined);
        if (found?.isFile() && (member.hashed || Math.floor(found.mtimeMs) === member.mtimeMs)) group.upToDate[encoding].add(member.name);
      }
    }
  });

  // Compress each content that lacks a variant somewhere, on every thread of the pool, largest first
  // so the threads finish together. Another name of the same content may hold a variant already:
  // its bytes are copied rather than compressed again.
  const work = [...groups.values()].filter((group) => encodings.some((encoding) => needsVariant(group, encoding, outputNames)));
  work.sort((a, b) => b.size - a.size);
  const present = (group: ContentGroup, encoding: Encoding) => group.members.find((member) => group.upToDate[encoding].has(member.name));
  const jobs = work.map((group) => ({ path: group.members[0].path, codings: encodings.filter((encoding) => !present(group, encoding)) }));
  pool.grow(Math.min(work.length - 1, Math.floor(work.reduce((sum, group) => sum + group.size, 0) / BYTES_PER_THREAD)));
  let reported = 0;
  const report = (done: number) => {
    if (done > reported) onProgress?.((reported = done), work.length);
  };
  const { results } = await pool.run(
    { kind: "compress", brotliQuality: COLLECT_BROTLI_QUALITY, gzipLevel: COLLECT_GZIP_LEVEL, jobs },
    { onJob: () => report(pool.completed()) },
  );
  for (const [index, result] of results) {
    if ("code" in result) throw Object.assign(new Error(result.message), { code: result.code });
    const group = work[index];
    const made = jobs[index].codings;
    for (const encoding of encodings) {
      const from = present(group, encoding);
      const bytes = from ? await readFile(joinOut(out, variantName(from.name, encoding))) : result.compressed[made.indexOf(encoding)];
      group.bytes[encoding] = isEffective(result.size, bytes.length) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
    }
  }
  report(work.length);
  const compressed = work.length;

  // Write what is missing under temporary names, make them durable in one step, then rename them into place.
  const variants: string[] = [];
  const renames: { temp: string; target: string }[] = [];
  const stale: string[] = [];
  try {
    for (const group of groups.values()) {
      for (const encoding of encodings) {
        for (const member of group.members) {
          const name = variantName(member.name, encoding);
          if (outputNames.has(name)) continue;
          if (group.upToDate[encoding].has(member.name)) {
            variants.push(name);
            continue;
          }
          const bytes = group.bytes[encoding];
          if (!bytes) {
            stale.push(joinOut(out, name)); // not worth it for this content: an older variant must not stay
            continue;
          }
          const target = joinOut(out, name);
          const temp = tempNameFor(target);
          await writeFile(temp, bytes, { flag: "wx" });
          renames.push({ temp, target });
          // Half a millisecond in, so the round trip through seconds lands on the same whole ms.
          const mtime = (member.mtimeMs + 0.5) / 1000;
          await utimes(temp, mtime, mtime);
          variants.push(name);
        }
      }
    }
    await makeDurable(out, renames.map(({ temp }) => temp));
    for (const { temp, target } of renames) await rename(temp, target);
  } catch (error) {
    await Promise.all(renames.map(({ temp }) => rm(temp, { force: true })));
    throw error;
  }
  await Promise.all(stale.map((path) => rm(path, { force: true })));
  return { variants, written: renames.length, compressed };
}

function needsVariant(group: ContentGroup, encoding: Encoding, outputNames: ReadonlySet<string>): boolean {
  return group.members.some((member) => !group.upToDate[encoding].has(member.name) && !outputNames.has(variantName(member.name, encoding)));
}

export function variantName(name: string, encoding: Encoding): string {
  return name + VARIANT_SUFFIX[encoding];
}

function joinOut(out: string, name: string): string {
  return join(out, name);
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
