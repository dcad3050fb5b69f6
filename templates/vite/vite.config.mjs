// The example site's Vite-built widget. `base` is the site's baseUrl: Vite's files are served at
// /static/assets/… by serveStatic, and Vite's own runtime (CSS of dynamic imports) builds URLs from it.
// A plain object (no defineConfig) and .mjs, so a copy of the file loads anywhere.
import { fileURLToPath } from "node:url";

export default {
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/static/",
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    rollupOptions: { input: ["src/widget.js"] },
  },
  server: { host: "127.0.0.1", port: 5173 },
};
