// The example site: prints the hashed URL of every static file in templates/static.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, relative } from "node:path";
import { StaticFiles } from "static-hash";

const root = fileURLToPath(new URL("./static", import.meta.url));
const files = new StaticFiles({ roots: [root] });

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield relative(root, full).split("\\").join("/");
  }
}
for (const name of walk(root)) console.log(`${name.padEnd(24)} ${files.url(name)}`);
