#!/usr/bin/env node
// The `static-hash` command: everything it does is in src/collect/command.ts.
import { runCommand } from "./collect/command.js";

process.exitCode = await runCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  progress: process.stderr.isTTY === true,
});
