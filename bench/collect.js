// Benchmark 4: `static-hash collect` against Django's `collectstatic` (ManifestStaticFilesStorage) on the
// same generated site, both end to end as a user runs them, outputs checked equivalent.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { compareAsync, pairedRatio, summarize } from "./measure.js";
import { writeCollectTree } from "./trees.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const DJANGO_SCRIPT = fileURLToPath(new URL("./django-collectstatic.py", import.meta.url));

/** A python3 that has Django, or undefined. The system one first: pyenv shims may hide Debian's python3-django. */
export function findDjango() {
  for (const python of ["/usr/bin/python3", "python3"]) {
    const probe = spawnSync(python, ["-c", "import django; print(django.get_version())"], { encoding: "utf8" });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
  }
  return undefined;
}

/**
 * `folders`: where to build the trees (a disk-backed temp folder, and a tmpfs one to see the
 * software's own cost without the file system's).
 */
export async function benchCollect({ quick, log, folders }) {
  const django = findDjango();
  if (!django) return { skipped: "Django is not installed (apt-get install python3-django, or pip install django): collect vs collectstatic not measured." };
  const shape = quick ? { files: 1_000, css: 100, bytes: 12 * 2 ** 20 } : { files: 10_000, css: 1_000, bytes: 120 * 2 ** 20 };
  const rounds = quick ? 2 : 3;
  const places = [];
  for (const { label, parent } of folders) {
    const work = mkdtempSync(join(parent, "static-hash-bench-collect-"));
    try {
      const source = join(work, "src");
      log(`  ${label}: writing ${shape.files} files (${shape.css} CSS) into ${source}`);
      const tree = writeCollectTree(source, shape);
      const ours = join(work, "ours");
      const theirs = join(work, "django");
      const perRound = await compareAsync(
        {
          "static-hash collect (CLI, end to end)": () =>
            run(process.execPath, [CLI, "collect", "--root", source, "--out", ours, "--mode", "filename", "--algorithm", "md5", "--accuracy", "12", "--quiet"]),
          [`Django ${django.version} collectstatic (python3, end to end)`]: () => run(django.python, [DJANGO_SCRIPT, source, theirs]),
        },
        {
          rounds,
          warmup: 0,
          // Every round starts from an empty output folder: Django would otherwise skip unchanged files.
          before: (name) => rmSync(name.startsWith("static-hash") ? ours : theirs, { recursive: true, force: true }),
        },
      );
      // The last round of each left its output: compare them.
      const check = compareOutputs(source, ours, theirs, tree.references);
      const [oursName, djangoName] = Object.keys(perRound);
      places.push({
        label,
        folder: work,
        tree,
        rows: Object.fromEntries(Object.entries(perRound).map(([name, values]) => [name, summarize(values)])),
        speedup: pairedRatio(perRound[djangoName], perRound[oursName]),
        check,
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { django: django.version, rounds, places };
}

function run(command, args) {
  execFileSync(command, args, { stdio: ["ignore", "ignore", "pipe"] });
}

function filesUnder(root, prefix = "") {
  const found = [];
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...filesUnder(root, name));
    else found.push(name);
  }
  return found;
}

const CSS_REFERENCE = /url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3/g;

/**
 * What "equivalent" means here: the same manifest keys; the same hashed name for every non-CSS
 * file (md5 cut to 12, as Django); on each side exactly the originals, the hashed names of its
 * manifest and staticfiles.json; and in every collected CSS file, every reference rewritten to a
 * hashed name of that side's manifest. CSS hashes differ by design: Django rewrites
 * `@import "x.css"` as `@import url("x.<h>.css")` and normalises quotes, we keep what was written.
 */
function compareOutputs(source, ours, theirs, expectedReferences) {
  const problems = [];
  const manifest = (folder) => JSON.parse(readFileSync(join(folder, "staticfiles.json"), "utf8")).paths;
  const oursPaths = manifest(ours);
  const theirPaths = manifest(theirs);
  const originals = filesUnder(source).sort();
  const keys = (paths) => Object.keys(paths).sort().join("\n");
  if (keys(oursPaths) !== keys(theirPaths)) problems.push("the manifests name different files");
  if (keys(oursPaths) !== originals.join("\n")) problems.push("our manifest does not name every source file");
  let sameHashedNames = 0;
  let nonCss = 0;
  for (const name of originals) {
    if (name.endsWith(".css")) continue;
    nonCss++;
    if (oursPaths[name] === theirPaths[name]) sameHashedNames++;
    else if (problems.length < 10) problems.push(`${name}: ours ${oursPaths[name]}, Django ${theirPaths[name]}`);
  }
  const sides = {};
  for (const [side, folder, paths] of [["ours", ours, oursPaths], ["django", theirs, theirPaths]]) {
    const expected = new Set([...originals, ...Object.values(paths), "staticfiles.json"]);
    const actual = filesUnder(folder);
    const extra = actual.filter((name) => !expected.has(name));
    const missing = [...expected].filter((name) => !existsSync(join(folder, name)));
    if (extra.length) problems.push(`${side}: ${extra.length} unexpected files, such as ${extra[0]}`);
    if (missing.length) problems.push(`${side}: ${missing.length} missing files, such as ${missing[0]}`);
    for (const name of originals) {
      if (statSync(join(folder, name)).size !== statSync(join(source, name)).size) {
        problems.push(`${side}: ${name} is not a copy of the source`);
        break;
      }
    }
    const hashedNames = new Set(Object.values(paths));
    let rewritten = 0;
    let unrewritten = 0;
    for (const name of originals.filter((file) => file.endsWith(".css"))) {
      const text = readFileSync(join(folder, paths[name]), "utf8");
      for (const match of text.matchAll(CSS_REFERENCE)) {
        const reference = match[2] ?? match[4];
        if (/^(data:|https?:|\/\/|#)/.test(reference)) continue;
        const target = posix.normalize(posix.join(dirname(name), reference.replace(/[?#].*$/, "")));
        if (hashedNames.has(target)) rewritten++;
        else unrewritten++;
      }
    }
    if (rewritten !== expectedReferences) problems.push(`${side}: ${rewritten} CSS references rewritten, ${expectedReferences} expected`);
    if (unrewritten) problems.push(`${side}: ${unrewritten} CSS references not rewritten`);
    sides[side] = { files: actual.length, rewritten, unrewritten };
  }
  return { equivalent: problems.length === 0, problems, nonCss, sameHashedNames, sides };
}
