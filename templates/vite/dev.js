// `npm run dev`: the example site with its widget served by Vite's dev server (hot reload, no build).
// Vite listens on 127.0.0.1:5173 (VITE_PORT), the site on 127.0.0.1:3000 (PORT).
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import { createSite } from "../app.js";

const vitePort = Number(process.env.VITE_PORT ?? 5173);
const viteOrigin = `http://127.0.0.1:${vitePort}`;
const vite = await createServer({
  configFile: fileURLToPath(new URL("vite.config.mjs", import.meta.url)),
  // `origin`: the widget's asset URLs name the dev server, not the site's origin.
  server: { port: vitePort, strictPort: true, origin: viteOrigin },
});
await vite.listen();

const { app } = await createSite({ viteDevServer: `${viteOrigin}/static` });
const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", (error) => {
  if (error) throw error;
  console.log(`static-hash example site at http://127.0.0.1:${port}/ (development, Vite dev server at ${viteOrigin}/static/)`);
});
