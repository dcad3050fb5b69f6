// Turns the benchmarks' results into bench/README.md: machine, method, one table per figure, goals.
import { compressSection } from "./compress.js";
import { bytesText, formatMs, ratioText, spreadMs, spreadNs } from "./measure.js";
import { serveSection } from "./serve.js";
import { publishSection } from "./publish.js";

const MiB = 2 ** 20;
const met = (ok) => (ok ? "**met**" : "**missed**");

/** A ratio for the goals table: one more digit when two would round it onto the goal itself (1.997 shown as 2.00 but missed). */
function goalRatio(summary, threshold) {
  const close = summary.median.toFixed(2) === threshold.toFixed(2) && summary.median !== threshold;
  return ratioText(summary, close ? 3 : 2);
}

export function report({ run, results, history }) {
  const { machine } = run;
  const goals = [];
  const sections = [];

  if (results.render) sections.push(renderSection(results.render, goals));
  if (results.url) sections.push(urlSection(results.url, goals));
  if (results.hashing) sections.push(hashingSection(results.hashing, goals));
  if (results.collect) sections.push(collectSection(results.collect, goals));
  if (results.memory) sections.push(memorySection(results.memory, goals));
  if (results.serve) sections.push(serveSection(results.serve, goals));
  if (results.compress) sections.push(compressSection(results.compress, goals));
  if (results.publish) sections.push(publishSection(results.publish, goals));

  const lines = [
    "# Benchmarks",
    "",
    run.quick ? "> **Quick run** (small sizes, few rounds): for development only, not the reference figures.\n" : "",
    `Produced by \`${run.command}\` on ${run.started.slice(0, 10)} (${run.started.slice(11, 19)}–${run.finished.slice(11, 19)} UTC), at commit ${run.commit}. Every figure in the tables below comes from that one run (the before-and-after notes near the end name their own).`,
    "",
    "| Machine | |",
    "| --- | --- |",
    `| CPU | ${machine.model}${machine.shaInstructions ? " (SHA extensions: yes)" : ""} |`,
    `| Cores | ${machine.cores} |`,
    `| Memory | ${machine.memoryGiB.toFixed(1)} GiB |`,
    `| Node | ${machine.node} (${machine.platform}) |`,
    `| Load average (1, 5, 15 min) | ${machine.load} at the start, ${run.loadAfter} at the end |`,
    "",
    "The machine is shared: other work may run beside the benchmark. Each benchmark waits (up to two",
    "minutes) for a quiet second before it starts, each figure is the median over interleaved rounds",
    "with its spread, and every ratio is taken round by round between cases measured back to back in",
    "the same process. The CPU share other processes took while each benchmark ran:",
    "",
    "| Benchmark | took | machine busy at the start | CPU used by other processes meanwhile |",
    "| --- | --- | --- | --- |",
    ...Object.entries(run.timings).map(([name, ms]) => {
      const { busyAtStart, others } = run.contention?.[name] ?? {};
      const percent = (share) => (share === undefined ? "–" : `${(share * 100).toFixed(0)}%`);
      return `| ${name} | ${(ms / 1000).toFixed(0)} s | ${percent(busyAtStart)} | ${percent(others)} |`;
    }),
    "",
    "## Goals",
    "",
    "| # | Figure | Ratio: median (IQR; min–max over rounds) | Goal | |",
    "| --- | --- | --- | --- | --- |",
    ...goals.map((goal, index) => `| ${index + 1} | ${goal.figure} | ${goal.ratio} | ${goal.goal} | ${met(goal.ok)} |`),
    "",
    "## Method",
    "",
    "- Fast cases (a render, a `url()` call) run in a calibrated loop of about 50 ms per round, every",
    "  case once per round in rotating order, after 200 ms of warm-up; figures are per call.",
    "- Slow cases (hashing a tree, a whole `collect`) run once per round, in rotating order, after one",
    "  untimed round where it matters (so the page cache is warm for every side alike).",
    "- Times are given as median (min–max over the rounds); ratios as median (interquartile range;",
    "  min–max) of the per-round ratios.",
    "- Every generated tree is deterministic (seeded), written to a temporary folder and removed after.",
    "",
    ...sections,
  ];
  if (history.trim()) lines.push("## Before and after", "", history.trim(), "");
  lines.push("## In short", "", closingNote(goals), "");
  return lines.filter((line) => line !== undefined).join("\n").replace(/\n{3,}/g, "\n\n");
}

function closingNote(goals) {
  const missed = goals.filter((goal) => !goal.ok);
  const quoted = goals.map((goal) => `${goal.short} ${goal.headline ?? goal.ratio.split(" ")[0]} (goal ${goal.goal})`).join("; ");
  return `${quoted}. ${missed.length === 0 ? "Every goal is met." : `Missed: ${missed.map((goal) => goal.figure).join("; ")}.`}`;
}

function renderSection(render, goals) {
  const lines = [`## 1. Render overhead: a page with ${render.tags} tags`, ""];
  lines.push(
    `One page with ${render.tags} links, rendered whole. **static**: \`{% static %}\` / \`{{static}}\` with \`watch\` off;`,
    "**no-op tag**: the same page calling a tag (a Nunjucks extension whose `run` returns the URL from a `Map`;",
    "a Handlebars helper doing the same), so the baseline is the engine's own cost of calling a tag;",
    "**watch on**: `static` revalidating each hash by `stat`; **literal**: the URLs written into the page.",
    "Nunjucks with `autoescape: true`, Handlebars `{{ }}` (escaped): the pages render byte-identical (checked).",
    "",
    "| Engine | static, watch off | no-op tag (baseline) | watch on | literal URLs | static / no-op | watch on / no-op |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const [engine, result] of Object.entries(render.engines)) {
    const { rows } = result;
    lines.push(
      `| ${engine} | ${spreadNs(rows.static)} | ${spreadNs(rows.noop)} | ${spreadNs(rows.watch)} | ${spreadNs(rows.literal)} | ${ratioText(result.staticVsNoop)} | ${ratioText(result.watchVsNoop, 1)} |`,
    );
    goals.push({
      figure: `${engine}: render with ${render.tags} \`static\` tags vs ${render.tags} no-op tags (watch off)`,
      short: `${engine} render`,
      ratio: goalRatio(result.staticVsNoop, 1.2),
      goal: "≤ 1.2x",
      ok: result.staticVsNoop.median <= 1.2,
    });
  }
  lines.push("", "Times are per page render. `watch` is for development: each tag `stat`s its file so an edit shows at once.", "");
  return lines.join("\n");
}

function urlSection(url, goals) {
  const rows = url.rows;
  const lines = [
    "## 2. `files.url(name)`, warm, against `Map.get`",
    "",
    `${url.names} names of a small site, each URL already computed once; the baseline reads the same URLs from a \`Map\`.`,
    "",
    "| Case | per call: median (min–max) | / Map.get |",
    "| --- | --- | --- |",
    `| \`Map.get(name)\` (baseline) | ${spreadNs(rows["Map.get(name)"])} | 1 |`,
    `| \`files.url(name)\`, watch off | ${spreadNs(rows["files.url(name), watch off"])} | ${ratioText(url.ratio)} |`,
    `| \`files.url(name)\`, watch on (a \`stat\` per call) | ${spreadNs(rows["files.url(name), watch on (a stat per call)"])} | ${ratioText(url.watchRatio, 0)} |`,
    "",
  ];
  goals.push({ figure: "`files.url()` warm call vs `Map.get`", short: "url()", ratio: goalRatio(url.ratio, 3), goal: "≤ 3x", ok: url.ratio.median <= 3 });
  return lines.join("\n");
}

function hashingSection(hashing, goals) {
  const { rows, cores } = hashing;
  const names = Object.keys(rows);
  const limitGBs = (hashing.oneCoreMiBps.median * cores) / 1024;
  const lines = [
    "## 3. Cold hashing of a tree",
    "",
    `${hashing.count} files, sizes spread evenly from 1 KiB to 1 MiB (${bytesText(hashing.bytes)} in all), generated into a`,
    "temporary folder. Every case reads the same files with a warm page cache (all files were read once",
    "before timing, and a warm-up round ran), so this compares hashing, not the disk. StaticFiles starts",
    "cold each round: a new instance, an empty cache. The digests are checked equal to `sha1sum`'s.",
    "",
    "| Case | time: median (min–max) | throughput |",
    "| --- | --- | --- |",
    ...names.map((name) => {
      const row = rows[name];
      const bytes = name.includes("64 MiB") ? 64 * MiB : hashing.bytes;
      return `| ${name} | ${spreadMs(row)} | ${((bytes / MiB) / (row.median / 1000)).toFixed(0)} MiB/s |`;
    }),
    `| **Physical limit**: one core's in-memory SHA-1 speed (${hashing.oneCoreMiBps.median.toFixed(0)} MiB/s) × ${cores} cores, for the whole tree | ${spreadMs(hashing.limitMs)} | ${(limitGBs * 1024).toFixed(0)} MiB/s |`,
    `| For context: Node SHA-1 in memory on all ${cores} cores at once, measured | | ${hashing.allCoresMiBps.median.toFixed(0)} MiB/s (${hashing.allCoresMiBps.min.toFixed(0)}–${hashing.allCoresMiBps.max.toFixed(0)}) |`,
    `| **Practical limit** for any file hasher: the physical limit plus each core's share of the page-cache reads | ${spreadMs(hashing.practicalMs)} | ${((hashing.bytes / MiB) / (hashing.practicalMs.median / 1000)).toFixed(0)} MiB/s |`,
    "",
    "| Ratio | median (min–max) |",
    "| --- | --- |",
    `| \`warm()\` speed-up over sha1sum, ${cores} processes | ${ratioText(hashing.speedupVsSha1sum)} |`,
    `| \`warm()\` speed-up over sha1sum, 1 process | ${ratioText(hashing.speedupVsSingleSha1sum)} |`,
    `| \`url()\` one by one (1 thread) speed-up over sha1sum, 1 process | ${ratioText(hashing.speedupSyncVsSingleSha1sum)} |`,
    `| \`warm()\` speed-up over \`url()\` one by one | ${ratioText(hashing.speedupVsSync)} |`,
    `| \`warm()\` as a fraction of the physical limit | ${ratioText(hashing.fractionOfLimit)} |`,
    `| \`warm()\` throughput as a fraction of the measured all-core in-memory throughput | ${ratioText(hashing.fractionOfAllCores)} |`,
    `| \`warm()\` as a fraction of the practical limit | ${ratioText(hashing.fractionOfPractical)} |`,
    "",
    "`warm()` hashes on the main thread from the first moment and on one worker thread per other core",
    "as soon as each has started (a worker takes tens of milliseconds to boot), largest files first.",
    "sha1sum is GNU coreutils', without the CPU's SHA instructions; it runs on the same file list, as one",
    `process and split evenly over ${cores} processes by \`xargs -P${cores}\`. The goal is checked like for like:`,
    `all cores against all cores (\`warm()\` against ${cores} sha1sum processes), and one thread against one`,
    "process (`url()` one file after the other against one sha1sum).",
    "",
    "The physical limit counts hashing only. A file hasher must also copy every byte out of the page",
    `cache (the read row above: ${readShare(hashing)} of the time one core takes to hash the tree in memory), so the`,
    "practical limit is the physical one plus each core's share of that copy.",
    "",
  ];
  goals.push({
    figure: `Cold hashing of ${hashing.count} files, all cores: \`warm()\` vs sha1sum in ${cores} processes`,
    short: "hashing vs sha1sum (all cores)",
    ratio: goalRatio(hashing.speedupVsSha1sum, 2),
    goal: "≥ 2x",
    ok: hashing.speedupVsSha1sum.median >= 2,
  });
  goals.push({
    figure: `Cold hashing of ${hashing.count} files, one thread: \`url()\` one by one vs one sha1sum process`,
    short: "hashing vs sha1sum (1 thread)",
    ratio: goalRatio(hashing.speedupSyncVsSingleSha1sum, 2),
    goal: "≥ 2x",
    ok: hashing.speedupSyncVsSingleSha1sum.median >= 2,
  });
  goals.push({
    figure: `Cold hashing: \`warm()\` as a fraction of the physical limit (1-core in-memory SHA-1 × ${cores})`,
    short: "hashing vs limit",
    ratio: goalRatio(hashing.fractionOfLimit, 0.7),
    goal: "≥ 0.70",
    ok: hashing.fractionOfLimit.median >= 0.7,
  });
  return lines.join("\n");
}

/** The page-cache read of the tree as a share of one core's in-memory hashing of it, in words. */
function readShare(hashing) {
  const read = Object.entries(hashing.rows).find(([name]) => name.startsWith("Reading"))[1].median;
  const hashOneCore = hashing.limitMs.median * hashing.cores;
  return `${Math.round((read / hashOneCore) * 100)}%`;
}

function collectSection(collect, goals) {
  if (collect.skipped) {
    goals.push({ figure: "`collect` vs Django `collectstatic`", short: "collect", ratio: "not measured", goal: "≥ 10x", ok: false });
    return ["## 4. `collect` against Django's `collectstatic`", "", `Skipped: ${collect.skipped}`, ""].join("\n");
  }
  const lines = [
    "## 4. `collect` against Django's `collectstatic`",
    "",
    `Django ${collect.django}, \`ManifestStaticFilesStorage\`, run as \`python3 bench/django-collectstatic.py\``,
    "(`settings.configure(...)` then `call_command(\"collectstatic\", interactive=False, verbosity=0)`), against",
    "`static-hash collect --mode filename --algorithm md5 --accuracy 12` (Django's naming), both as",
    "subprocesses timed end to end, each round into an empty output folder. The site is generated: images,",
    "fonts, scripts and stylesheets; every stylesheet holds about 40 references (`url()` in three quoting",
    "styles, `@import`, fonts with `?#iefix`) plus `data:` and `https:` URLs both must leave alone.",
    `Rounds: ${collect.rounds} per place, rotating order.`,
    "",
    "| Where | Files | Size | CSS (references) | static-hash collect | Django collectstatic | speed-up | output equivalent |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const place of collect.places) {
    const [ours, theirs] = Object.values(place.rows);
    lines.push(
      `| ${place.label} | ${place.tree.files} | ${bytesText(place.tree.bytes)} | ${place.tree.css} (${place.tree.references}) | ${spreadMs(ours)} | ${spreadMs(theirs)} | ${ratioText(place.speedup, 1)} | ${place.check.equivalent ? "yes" : "NO: " + place.check.problems.join("; ")} |`,
    );
    goals.push({
      figure: `\`collect\` vs Django \`collectstatic\`, ${place.tree.files} files (${place.label})`,
      short: `collect (${place.label})`,
      ratio: ratioText(place.speedup, 1),
      goal: "≥ 10x",
      ok: place.speedup.median >= 10 && place.check.equivalent,
    });
  }
  const check = collect.places[0].check;
  lines.push(
    "",
    "Equivalence, checked after the last round: the two manifests name the same files; every non-CSS file",
    `has the same hashed name on both sides (${check.sameHashedNames} of ${check.nonCss}); each output folder holds exactly the`,
    "originals, the hashed names of its own manifest and `staticfiles.json`; and in every collected",
    `stylesheet every reference points to a hashed name of that side's manifest (ours: ${check.sides.ours.rewritten}, Django: ${check.sides.django.rewritten},`,
    "not rewritten: " + `${check.sides.ours.unrewritten} and ${check.sides.django.unrewritten}). Stylesheet hashes differ by design: Django rewrites`,
    "`@import \"x.css\"` as `@import url(\"x.<hash>.css\")` and normalises quotes; `collect` changes only the URL text.",
    "\"disk\" is the system temp folder (ext4 here); \"tmpfs\" is /dev/shm, where the file system costs next to nothing.",
    "",
  );
  return lines.join("\n");
}

function memorySection(memory, goals) {
  const { bounded, unbounded, baseline, sync, warm } = memory;
  const at = (result, names) => result.checkpoints.find((point) => point.names === names);
  const full = at(bounded, memory.count);
  const atMax = at(bounded, memory.max);
  const growth = full.heapUsed / atMax.heapUsed;
  const lines = [
    "## 5. Memory",
    "",
    `### ${memory.count.toLocaleString("en")} distinct names through a cache of \`max: ${memory.max.toLocaleString("en")}\``,
    "",
    "A child process (`node --expose-gc`) calls `url()` for each name of a generated tree (one small file",
    "each, `watch` off); `heapUsed` is read after two full GCs. For contrast, the same names through a",
    "cache large enough to keep them all.",
    "",
    "| Names so far | heap, cache max " + memory.max.toLocaleString("en") + " | entries | heap, cache keeps all | entries |",
    "| --- | --- | --- | --- | --- |",
    ...bounded.checkpoints.map((point) => {
      const other = at(unbounded, point.names);
      return `| ${point.names.toLocaleString("en")} | ${bytesText(point.heapUsed)} | ${point.cached} | ${other ? bytesText(other.heapUsed) : "–"} | ${other ? other.cached : "–"} |`;
    }),
    "",
    `Heap after ${memory.count.toLocaleString("en")} names is ${growth.toFixed(2)}x the heap after the first ${memory.max.toLocaleString("en")} (the cache full): bounded.`,
    "",
    "### Hashing a 1 GiB file",
    "",
    "A sparse 1 GiB file (so the test costs no disk), hashed in a fresh child process; peak resident set",
    "(`VmHWM`) of the whole process, Node included.",
    "",
    "| Case | peak RSS | time |",
    "| --- | --- | --- |",
    `| Node with static-hash loaded, nothing hashed | ${bytesText(baseline.peakRss)} | |`,
    `| \`files.url("big.bin")\` (synchronous, chunked) | ${bytesText(sync.peakRss)} | ${formatMs(sync.ms)} |`,
    `| \`await files.warm(["big.bin"])\`, then \`url()\` | ${bytesText(warm.peakRss)} | ${formatMs(warm.ms)} |`,
    "",
    "The first read of a sparse file also fills the page cache, so the two times are not comparable; the peak memory is the figure.",
    "",
  ];
  goals.push({
    figure: `Heap with ${memory.count.toLocaleString("en")} names through \`max: ${memory.max.toLocaleString("en")}\` (heap at ${memory.count.toLocaleString("en")} / heap at ${memory.max.toLocaleString("en")})`,
    short: "heap growth",
    headline: `${growth.toFixed(2)}x`,
    ratio: `${growth.toFixed(2)}x (${bytesText(atMax.heapUsed)} → ${bytesText(full.heapUsed)})`,
    goal: "bounded (≤ 1.2x)",
    ok: growth <= 1.2,
  });
  const peak = Math.max(sync.peakRss, warm.peakRss);
  goals.push({
    figure: "Peak RSS hashing a 1 GiB file (whole process)",
    short: "1 GiB peak RSS",
    headline: bytesText(peak),
    ratio: `${bytesText(peak)}`,
    goal: "< 100 MiB",
    ok: peak < 100 * MiB,
  });
  return lines.join("\n");
}


