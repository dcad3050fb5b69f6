// The references of one CSS or JS file, kept compactly: a few bytes per reference in typed arrays
// instead of an object and a substring each, so a stylesheet with millions of them fits in memory.
import { lineOf, scanCssReferences, scanJsReferences, type Reference } from "./find-references.js";

const KINDS: readonly Reference["kind"][] = ["url", "import", "sourceMappingURL"];
const KIND_CODES: Readonly<Record<Reference["kind"], number>> = { url: 0, import: 1, sourceMappingURL: 2 };

export class ReferenceList {
  count = 0;
  /** Byte offsets of each reference's URL in the file's bytes. */
  #starts = new Int32Array(16);
  #ends = new Int32Array(16);
  #kinds = new Uint8Array(16);
  /** The name each reference leads to (a file of the roots), once resolved; `undefined` when it is left alone. */
  readonly targets: (string | undefined)[] = [];

  constructor(
    readonly bytes: Buffer,
    readonly encoding: "utf8" | "latin1",
  ) {}

  /** The references of `text` (the decoded `bytes`), with their offsets turned into byte offsets. */
  static scan(bytes: Buffer, encoding: "utf8" | "latin1", text: string, isCss: boolean): ReferenceList {
    const list = new ReferenceList(bytes, encoding);
    // One byte per character unless the text has characters beyond ASCII: then count the bytes up to each offset.
    const sameOffsets = encoding === "latin1" || bytes.length === text.length;
    let char = 0;
    let byte = 0;
    const toByte = (offset: number) => {
      if (sameOffsets) return offset;
      byte += Buffer.byteLength(text.slice(char, offset));
      char = offset;
      return byte;
    };
    const add = (kind: Reference["kind"], start: number, end: number) => list.#add(KIND_CODES[kind], toByte(start), toByte(end));
    if (isCss) scanCssReferences(text, add);
    else scanJsReferences(text, add);
    return list;
  }

  #add(kind: number, start: number, end: number): void {
    if (this.count === this.#starts.length) {
      const grow = <T extends Int32Array | Uint8Array>(array: T): T => {
        const larger = new (array.constructor as new (length: number) => T)(array.length * 2);
        larger.set(array);
        return larger;
      };
      this.#starts = grow(this.#starts);
      this.#ends = grow(this.#ends);
      this.#kinds = grow(this.#kinds);
    }
    this.#starts[this.count] = start;
    this.#ends[this.count] = end;
    this.#kinds[this.count] = kind;
    this.count++;
  }

  url(index: number): string {
    return this.bytes.toString(this.encoding, this.#starts[index], this.#ends[index]);
  }

  start(index: number): number {
    return this.#starts[index];
  }

  end(index: number): number {
    return this.#ends[index];
  }

  kind(index: number): Reference["kind"] {
    return KINDS[this.#kinds[index]];
  }

  /** The reference as an object, for a problem's message: its line is counted from the bytes. */
  reference(index: number, lines: () => readonly number[]): Reference {
    const start = this.#starts[index];
    return { kind: this.kind(index), url: this.url(index), start, end: this.#ends[index], line: lineOf(lines(), start) };
  }

  /** Byte offsets where the lines of the file start, for `reference`. */
  lineStarts(): number[] {
    const starts = [0];
    for (let i = this.bytes.indexOf(0x0a); i !== -1; i = this.bytes.indexOf(0x0a, i + 1)) starts.push(i + 1);
    return starts;
  }

  /**
   * The bytes with each reference's URL replaced by what `replace` returns for it (`undefined`
   * keeps it), and how many were replaced. Built straight into one buffer: no string of the whole file.
   */
  render(replace: (index: number) => Buffer | undefined): { bytes: Buffer; count: number } {
    const chosen: (Buffer | undefined)[] = new Array(this.count);
    let size = this.bytes.length;
    let count = 0;
    for (let i = 0; i < this.count; i++) {
      const replacement = replace(i);
      if (replacement === undefined) continue;
      chosen[i] = replacement;
      size += replacement.length - (this.#ends[i] - this.#starts[i]);
      count++;
    }
    if (count === 0) return { bytes: this.bytes, count };
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    let written = 0;
    for (let i = 0; i < this.count; i++) {
      const replacement = chosen[i];
      if (replacement === undefined) continue;
      written += this.bytes.copy(out, written, at, this.#starts[i]);
      written += replacement.copy(out, written);
      at = this.#ends[i];
    }
    this.bytes.copy(out, written, at);
    return { bytes: out, count };
  }
}
