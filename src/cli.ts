#!/usr/bin/env node
// The `static-hash` command: everything it does is in src/collect/command.ts.
import { runCommand } from "./collect/command.js";
import { runPublishCommand } from "./publish/command.js";

const io = { stdout: process.stdout, stderr: process.stderr, progress: process.stderr.isTTY === true };
const argv = process.argv.slice(2);
process.exitCode = argv[0] === "publish" ? await runPublishCommand(argv.slice(1), io) : await runCommand(argv, io);
