// `npm start` and the process it starts: stopping npm by its PID frees the port, whatever signal stopped it.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { resolve } from "node:path";
import { expect, test } from "vitest";

const PACKAGE = resolve(import.meta.dirname, "../..");

/** True while something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

test.each(["SIGTERM", "SIGKILL"] as const)("after npm start's own PID gets %s, the site's port is free", async (signal) => {
  // Its own process group, so the clean-up below can reach a server left behind.
  const npm = spawn("npm", ["start"], { cwd: PACKAGE, env: { ...process.env, PORT: "0" }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let output = "";
    npm.stdout.on("data", (chunk) => (output += chunk));
    for (let waited = 0; !/127\.0\.0\.1:(\d+)\//.test(output); waited += 50) {
      if (waited > 20_000) throw new Error(`npm start printed no address:\n${output}`);
      await sleep(50);
    }
    const port = Number(/127\.0\.0\.1:(\d+)\//.exec(output)![1]);
    expect(await listening(port)).toBe(true);
    npm.kill(signal);
    let free = false;
    for (let waited = 0; waited < 5_000 && !free; waited += 100) {
      await sleep(100);
      free = !(await listening(port));
    }
    expect(free).toBe(true);
  } finally {
    try {
      process.kill(-npm.pid!, "SIGKILL");
    } catch {
      // the group is already gone
    }
  }
});
