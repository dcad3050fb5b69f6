// Builds the example site's Vite widget into templates/vite/dist (Vite's manifest in dist/.vite/):
// `node templates/vite/build.js`, or `npx vite build --config templates/vite/vite.config.mjs`.
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));

/** Runs `vite build` for the widget in `dir` (a copy of templates/vite) and returns the path of Vite's manifest. */
export async function buildWidget(dir = here) {
  // Vite is a devDependency of the example, loaded only when the widget is built.
  const { build } = await import("vite");
  // vite build sets NODE_ENV to "production" for the whole process when it is unset: put it back.
  const nodeEnv = process.env.NODE_ENV;
  try {
    await build({ configFile: join(dir, "vite.config.mjs"), root: dir });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return join(dir, "dist/.vite/manifest.json");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`Vite's manifest: ${await buildWidget()}`);
}
