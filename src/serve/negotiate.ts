/**
 * `Accept-Encoding` as RFC 9110 (section 12.5.3) reads it: codings with q-values, `*` for any
 * coding not named, `identity` acceptable unless refused by `identity;q=0` (or `*;q=0` without an
 * entry of its own). Among the codings offered, the highest q wins; at equal q, `br` before `gzip`
 * before identity.
 */
import { ENCODINGS, type Encoding } from "../core/compressible.js";

/** What to send: a content coding, `"identity"` (the bytes as they are), or nothing acceptable. */
export type Choice = Encoding | "identity" | undefined;

/** The q-value of each coding named by the header (lowercase), and of `*` if present. */
export type AcceptedEncodings = ReadonlyMap<string, number>;

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
// Older names the RFC says to treat as their modern coding.
const ALIASES: Record<string, string> = { "x-gzip": "gzip" };

/**
 * Parses an `Accept-Encoding` value. An entry that does not parse (a bad token, a q outside 0–1 or
 * with more than three decimals) is ignored, as the RFC's grammar would not have produced it; when
 * a coding is named twice, its first entry counts.
 */
export function parseAcceptEncoding(header: string): AcceptedEncodings {
  const accepted = new Map<string, number>();
  for (const entry of header.split(",")) {
    const [rawCoding, ...parameters] = entry.split(";");
    const coding = rawCoding.trim().toLowerCase();
    if (coding === "" || !TOKEN.test(coding)) continue;
    let q = 1;
    let valid = true;
    for (const parameter of parameters) {
      const equals = parameter.indexOf("=");
      const key = parameter.slice(0, equals === -1 ? undefined : equals).trim().toLowerCase();
      if (key !== "q") continue; // other parameters carry no meaning for a coding
      const value = equals === -1 ? "" : parameter.slice(equals + 1).trim();
      if (!QVALUE.test(value)) valid = false;
      else q = Number(value);
    }
    const name = ALIASES[coding] ?? coding;
    if (valid && !accepted.has(name)) accepted.set(name, q);
  }
  return accepted;
}

/**
 * The best of the codings `available` (and identity) for a request's `Accept-Encoding` value.
 * No header: identity (the bytes as they are are always safe to send). An empty header: identity
 * only. `undefined`: every coding on offer, identity included, is refused.
 */
export function chooseEncoding(header: string | undefined, available: readonly Encoding[]): Choice {
  if (header === undefined) return "identity";
  const accepted = parseAcceptEncoding(header);
  const star = accepted.get("*");
  // Identity, unless named or covered by `*`, ranks with the least-wanted coding named (as the negotiator package reads it).
  const positive = [...accepted.values()].filter((q) => q > 0);
  const implicitIdentity = star ?? (positive.length === 0 ? 1 : Math.min(...positive));
  const qOf = (coding: string): number => accepted.get(coding) ?? (coding === "identity" ? implicitIdentity : (star ?? 0));
  let best: Choice;
  let bestQ = 0;
  for (const coding of ENCODINGS) {
    if (!available.includes(coding)) continue;
    const q = qOf(coding);
    if (q > bestQ) [best, bestQ] = [coding, q];
  }
  // Identity is last in the order of preference: it wins only with a strictly higher q.
  const identityQ = qOf("identity");
  if (identityQ > bestQ) return "identity";
  return best ?? undefined;
}

/** True when identity is refused outright, so a client must get a coding or a 406. */
export function refusesIdentity(header: string | undefined): boolean {
  return header !== undefined && chooseEncoding(header, []) === undefined;
}
