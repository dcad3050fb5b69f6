// Timing and statistics shared by the benchmarks: interleaved rounds, medians, spreads, ratios.
import { cpus, totalmem } from "node:os";
import { readFileSync } from "node:fs";

/** Median, quartiles and extremes of a list of numbers. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => {
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
  };
  return { median: at(0.5), q1: at(0.25), q3: at(0.75), min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

const now = () => process.hrtime.bigint();
const elapsedNs = (start) => Number(process.hrtime.bigint() - start);

/**
 * Times synchronous cases against each other. Each case is `(iterations) => void`; every round
 * runs every case once, in rotating order, so drift in machine load hits all of them alike.
 * Returns nanoseconds per iteration, per case, per round.
 */
export function compareSync(cases, { rounds = 15, warmupMs = 200, roundMs = 40 } = {}) {
  const names = Object.keys(cases);
  // Calibrate each case on its own: iterations that make one of its rounds last about roundMs.
  const iterations = {};
  for (const name of names) {
    let n = 1;
    for (;;) {
      const ns = timeOnce(cases[name], n);
      if (ns >= (roundMs * 1e6) / 8 || n >= 1e9) {
        iterations[name] = Math.max(1, Math.round((n * roundMs * 1e6) / Math.max(ns, 1)));
        break;
      }
      n *= 4;
    }
  }
  const warmupEnd = Date.now() + warmupMs;
  while (Date.now() < warmupEnd) for (const name of names) timeOnce(cases[name], Math.max(1, iterations[name] >> 3));
  const perRound = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      perRound[name].push(timeOnce(cases[name], iterations[name]) / iterations[name]);
    }
  }
  return { perRound, iterations };
}

function timeOnce(run, iterations) {
  const start = now();
  run(iterations);
  return elapsedNs(start);
}

/** Times asynchronous (or slow) cases, one call per round, in rotating order after `warmup` untimed rounds. Milliseconds. */
export async function compareAsync(cases, { rounds = 7, warmup = 1, before } = {}) {
  const names = Object.keys(cases);
  const perRound = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = -warmup; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[((round + warmup) + k) % names.length];
      if (before) await before(name);
      const start = now();
      await cases[name]();
      const ms = elapsedNs(start) / 1e6;
      if (round >= 0) perRound[name].push(ms);
    }
  }
  return perRound;
}

/** Per-round ratios a/b of two cases measured in the same rounds, summarized. */
export function pairedRatio(a, b) {
  return summarize(a.map((value, index) => value / b[index]));
}

/** The machine as the report describes it. */
export function machine() {
  let model = cpus()[0]?.model ?? "unknown";
  let flags = "";
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1] ?? model;
    flags = /^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? "";
  } catch {
    // Not Linux: os.cpus() gave the model.
  }
  let load = "";
  try {
    load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    // No load average outside Linux.
  }
  return {
    model,
    shaInstructions: /\bsha_ni\b/.test(flags),
    cores: cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    load,
  };
}

/** `1.23 µs`, `45.6 ms`: a duration in nanoseconds, readable. */
export function formatNs(ns) {
  if (ns < 1e3) return `${ns.toFixed(ns < 10 ? 2 : 1)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(2)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export function formatMs(ms) {
  return formatNs(ms * 1e6);
}

/** `median (min–max)` of a summary, in nanoseconds. */
export function spreadNs(summary) {
  return `${formatNs(summary.median)} (${formatNs(summary.min)}–${formatNs(summary.max)})`;
}

export function spreadMs(summary) {
  return spreadNs({ median: summary.median * 1e6, min: summary.min * 1e6, max: summary.max * 1e6 });
}

/** `1.12x (IQR 1.05–1.18; 0.83–1.52)`: median, interquartile range, extremes. */
export function ratioText(summary, digits = 2) {
  const x = (value) => value.toFixed(digits);
  return `${x(summary.median)}x (IQR ${x(summary.q1)}–${x(summary.q3)}; ${x(summary.min)}–${x(summary.max)})`;
}

export function bytesText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 2 ** 30) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

/** Share of CPU time the whole machine spent busy over `ms` milliseconds (Linux; undefined elsewhere). */
export async function busyShare(ms = 1000) {
  const sample = () => {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    return { idle, total: fields.reduce((sum, value) => sum + value, 0) };
  };
  try {
    const before = sample();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const after = sample();
    return 1 - (after.idle - before.idle) / Math.max(1, after.total - before.total);
  } catch {
    return undefined;
  }
}

/**
 * Waits, up to `maxSeconds`, for a second in which the machine is at most `threshold` busy, so a
 * benchmark does not start in the middle of someone else's build. Returns the last busy share seen.
 */
export async function waitForQuiet({ maxSeconds = 60, threshold = 0.1 } = {}) {
  let busy;
  for (let waited = 0; waited < maxSeconds; waited++) {
    busy = await busyShare(1000);
    if (busy === undefined || busy <= threshold) break;
  }
  return busy;
}

/** CPU ticks so far: the machine's busy and total, and this process's own (its threads and waited-for children). */
export function cpuTicks() {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const busy = total - fields[3] - (fields[4] ?? 0);
    const self = readFileSync("/proc/self/stat", "utf8");
    const [utime, stime, cutime, cstime] = self.slice(self.lastIndexOf(")") + 2).split(" ").slice(11, 15).map(Number);
    return { total, busy, own: utime + stime + cutime + cstime };
  } catch {
    return undefined;
  }
}

/** Share of the machine's CPU that other processes used between two `cpuTicks()` samples. */
export function othersShare(start, end) {
  if (!start || !end) return undefined;
  return Math.max(0, (end.busy - start.busy - (end.own - start.own)) / Math.max(1, end.total - start.total));
}
