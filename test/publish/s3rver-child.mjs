// A real s3rver 3.7.1 in its own process, for the publish suites and the benchmark:
//   node --openssl-legacy-provider s3rver-child.mjs <directory> <bucket>...
// Prints {"port": N} once it listens on 127.0.0.1; stops when its stdin closes.
// The legacy provider is for s3rver's continuation tokens (truncated ListObjectsV2 pages) on Node 20.
import S3rver from "s3rver";

const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  directory,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name })),
});
const { port } = await server.run();
process.stdout.write(JSON.stringify({ port }) + "\n");
process.stdin.resume();
process.stdin.on("end", async () => {
  await server.close();
  process.exit(0);
});
