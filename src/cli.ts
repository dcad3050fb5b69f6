#!/usr/bin/env node
// The `static-hash` command: one line per subcommand, each module loaded only when its command runs.
import { runCommandLine, type Subcommand } from "./command-line.js";

const COMMANDS: Record<string, Subcommand> = {
  collect: {
    summary: "copy the roots into one folder with content hashes, and write staticfiles.json",
    synopsis: "static-hash collect --root <folder> --out <folder>",
    load: async () => (await import("./collect/command.js")).runCollectCommand,
  },
  publish: {
    summary: "upload a collected folder to S3-compatible object storage, staticfiles.json last",
    synopsis: "static-hash publish <folder> s3://<bucket>[/<prefix>]",
    load: async () => (await import("./publish/command.js")).runPublishCommand,
  },
};

process.exitCode = await runCommandLine(COMMANDS, process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  progress: process.stderr.isTTY === true,
});
