// `npm start`: the example site on 127.0.0.1 (PORT, default 3000). `NODE_ENV=production npm start` serves collected files.
import { createSite } from "./app.js";

const { app } = await createSite();
const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, "127.0.0.1", (error) => {
  if (error) throw error;
  const mode = process.env.NODE_ENV === "production" ? "production: collected into templates/dist/static" : "development: edits to templates/static show on reload";
  console.log(`static-hash example site at http://127.0.0.1:${server.address().port}/ (${mode})`);
});

// Exit with the process that started us (npm start, a shell), even when it was killed outright and could not pass a signal on.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500).unref();
