import { defineConfig } from "vitest/config";

// Under CI, a JSON report is written too, so `.ci/run` can print the plain `N passed, N failed` line.
const reporters: NonNullable<NonNullable<Parameters<typeof defineConfig>[0]["test"]>["reporters"]> = process.env.CI
  ? ["default", ["json", { outputFile: ".vitest-report.json" }]]
  : ["default"];

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters,
  },
});
