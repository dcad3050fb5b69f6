import mime from "mime-types";

/** The content codings static-hash makes, in order of preference. */
export const ENCODINGS = ["br", "gzip"] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** The suffix of each coding's variant file, as WhiteNoise and nginx's gzip_static/brotli_static name them. */
export const VARIANT_SUFFIX: Readonly<Record<Encoding, string>> = { br: ".br", gzip: ".gz" };

/** A variant is kept only when it is at most this share of the original's size (WhiteNoise's rule). */
export const EFFECTIVE_RATIO = 0.95;

// Already compressed: images other than SVG, web fonts, archives, audio and video (WhiteNoise's list, and more).
const SKIP = new Set(
  "jpg jpeg png gif webp avif apng ico bmp heic heif jxl tif tiff woff woff2 zip gz tgz bz2 tbz xz br zst 7z rar lz lzma swf flv mp3 mp4 m4a m4v webm ogg oga ogv opus flac wav mov avi mkv pdf".split(" "),
);
// Text or text-like whatever their registered type says (`.ts` is registered as MPEG video).
const TEXT_EXTENSIONS = new Set("map ts mts cts tsx jsx scss sass less styl vue svelte md yml yaml toml webmanifest txt ttf otf eot ttc".split(" "));
const COMPRESSIBLE_TYPES = new Set([
  "application/javascript",
  "application/json",
  "application/xml",
  "application/xhtml+xml",
  "application/wasm",
  "application/vnd.ms-fontobject",
  "image/svg+xml",
  "font/ttf",
  "font/otf",
  "font/collection",
]);

/** True when a file of this name is worth compressing: text, CSS, JS, JSON, SVG, source maps, fonts other than woff/woff2. */
export function isCompressible(name: string): boolean {
  const slash = name.lastIndexOf("/");
  const dot = name.lastIndexOf(".");
  if (dot <= slash + 1) return false;
  const extension = name.slice(dot + 1).toLowerCase();
  if (SKIP.has(extension)) return false;
  if (TEXT_EXTENSIONS.has(extension)) return true;
  const type = mime.lookup(extension);
  if (type === false) return false;
  return type.startsWith("text/") || COMPRESSIBLE_TYPES.has(type) || type.endsWith("+json") || type.endsWith("+xml");
}

/** True when `compressedSize` earns its variant: at most 95% of a non-empty original. */
export function isEffective(originalSize: number, compressedSize: number): boolean {
  return originalSize > 0 && compressedSize <= originalSize * EFFECTIVE_RATIO;
}
