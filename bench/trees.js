// Deterministic file trees for the benchmarks: the same bytes on every run and every machine.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** mulberry32: a small seeded generator, so every run writes the same files. */
export function randomSource(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` pseudo-random bytes from `seed`. */
export function randomBytes(size, seed) {
  const random = randomSource(seed);
  const words = new Uint32Array(Math.ceil(size / 4));
  for (let i = 0; i < words.length; i++) words[i] = (random() * 4294967296) >>> 0;
  return Buffer.from(words.buffer, 0, size);
}

/** Fisher–Yates with a seeded generator. */
export function shuffle(items, seed) {
  const random = randomSource(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * `count` files with sizes spread evenly from `minSize` to `maxSize` (in shuffled order), 100 to a
 * folder. Each file is a slice of one random block with its own index in front, so no two are equal.
 * Returns the names (relative, `/`-separated) and the total size.
 */
export function writeHashTree(root, { count, minSize, maxSize, seed = 1 }) {
  const block = randomBytes(maxSize + 4096, seed);
  const sizes = shuffle(
    Array.from({ length: count }, (_, i) => Math.round(minSize + (i * (maxSize - minSize)) / Math.max(1, count - 1))),
    seed + 1,
  );
  const names = [];
  let bytes = 0;
  sizes.forEach((size, i) => {
    const folder = `dir-${String(Math.floor(i / 100)).padStart(2, "0")}`;
    if (i % 100 === 0) mkdirSync(join(root, folder), { recursive: true });
    const name = `${folder}/file-${String(i).padStart(4, "0")}.bin`;
    const offset = (i * 4099) % 4096;
    const content = block.subarray(offset, offset + size);
    content.writeUInt32LE(i, 0);
    writeFileSync(join(root, name), content);
    names.push(name);
    bytes += size;
  });
  return { names, bytes };
}

/**
 * A small site: `count` (a power of two) CSS, JS and image files in a few folders, a few hundred
 * bytes each. Returns their names.
 */
export function writeSiteTree(root, count) {
  const kinds = ["css/%.css", "js/%.js", "img/icons/%.svg", "fonts/%.woff2"];
  const names = [];
  for (let i = 0; i < count; i++) {
    const name = kinds[i % kinds.length].replace("%", `asset-${String(i).padStart(3, "0")}`);
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), randomBytes(200 + ((i * 37) % 800), i + 100));
    names.push(name);
  }
  return names;
}

/**
 * A site for `collect`: `files` files of about `bytes` in all, `css` of them stylesheets full of
 * references (url() in three quoting styles, @import of the folder's base.css, a font with `?#iefix`,
 * and data: and https: URLs both sides must leave alone). Returns counts and the reference total.
 */
export function writeCollectTree(root, { files = 10_000, css = 1_000, bytes = 120 * 2 ** 20, referencesPerCss = 40, seed = 7 }) {
  const random = randomSource(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const groups = Math.max(1, Math.round(css / 10));
  const others = files - css;
  const images = Math.round(others * 0.6);
  const fonts = Math.round(others * 0.1);
  const scripts = others - images - fonts;
  const cssBytes = css * 5000;
  const meanSize = Math.max(1024, Math.round((bytes - cssBytes) / others));
  const block = randomBytes(meanSize * 2 + 4096, seed);
  const write = (name, content) => {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), content);
  };
  const sizeOf = () => 1024 + Math.floor(random() * (meanSize * 2 - 2048));
  let total = 0;

  const imageNames = [];
  for (let i = 0; i < images; i++) {
    const name = `img/g${String(i % 50).padStart(2, "0")}/image-${String(i).padStart(5, "0")}.png`;
    const size = sizeOf();
    const offset = i % 4096;
    const content = Buffer.from(block.subarray(offset, offset + size));
    content.writeUInt32LE(i, 0);
    write(name, content);
    imageNames.push(name);
    total += size;
  }
  const fontNames = [];
  for (let i = 0; i < fonts; i++) {
    const name = `fonts/font-${String(i).padStart(4, "0")}.woff2`;
    const size = sizeOf();
    const content = Buffer.from(block.subarray(i % 4096, (i % 4096) + size));
    content.writeUInt32LE(i + 1e6, 0);
    write(name, content);
    fontNames.push(name);
    total += size;
  }
  const line = "export function f(a, b) { return a.map((x) => x * b).filter(Boolean); }\n";
  for (let i = 0; i < scripts; i++) {
    const name = `js/g${String(i % 30).padStart(2, "0")}/module-${String(i).padStart(5, "0")}.js`;
    const size = sizeOf();
    const content = `// module ${i}\n` + line.repeat(Math.ceil(size / line.length)).slice(0, size);
    write(name, content);
    total += Buffer.byteLength(content);
  }

  let references = 0;
  for (let i = 0; i < css; i++) {
    const group = `css/s${String(i % groups).padStart(3, "0")}`;
    const isBase = i < groups;
    const name = isBase ? `${group}/base.css` : `${group}/page-${String(i).padStart(4, "0")}.css`;
    const rules = [];
    if (!isBase) {
      rules.push(`@import "base.css";`);
      references++;
    }
    for (let r = 0; r < referencesPerCss; r++) {
      const style = r % 4;
      if (style === 3 && r % 8 === 3) {
        const font = pick(fontNames);
        rules.push(`@font-face { font-family: "F${i}-${r}"; src: url("../../${font}?#iefix") format("embedded-opentype"), url('../../${font}') format("woff2"); }`);
        references += 2;
        continue;
      }
      const image = pick(imageNames);
      const target = style === 0 ? `url("../../${image}")` : style === 1 ? `url('../../${image}')` : `url(../../${image})`;
      rules.push(`.c${i}-${r} { background: #fff ${target} no-repeat; padding: ${r}px ${i % 17}px; border: 1px solid #${((i * 7919 + r) % 0xffffff).toString(16).padStart(6, "0")}; }`);
      references++;
    }
    rules.push(`.d${i} { background-image: url("data:image/gif;base64,R0lGODlhAQABAAAAACw="); }`);
    rules.push(`.e${i} { background-image: url("https://cdn.example.com/x-${i}.png"); }`);
    const content = rules.join("\n") + "\n";
    write(name, content);
    total += Buffer.byteLength(content);
  }
  return { files, css, bytes: total, references };
}
