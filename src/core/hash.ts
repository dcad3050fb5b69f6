import { createHash } from "node:crypto";
import { digestFile } from "../fs/digest.js";

/** Digest algorithms for the hash in the URL. */
export const HASH_ALGORITHMS = ["sha1", "md5", "sha256", "sha384", "sha512"] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** Digest algorithms Subresource Integrity accepts. */
export const INTEGRITY_ALGORITHMS = ["sha256", "sha384", "sha512"] as const;
export type IntegrityAlgorithm = (typeof INTEGRITY_ALGORITHMS)[number];

/** Lowercase hex digest of a file's bytes. */
export function hashFile(file: string, algorithm: HashAlgorithm = "sha1"): string {
  return digestFile(file, [algorithm]).digests.get(algorithm)!.toString("hex");
}

/** Lowercase hex digest of bytes in memory. */
export function hashBytes(bytes: string | Uint8Array, algorithm: HashAlgorithm = "sha1"): string {
  return createHash(algorithm).update(bytes).digest("hex");
}

/** A Subresource Integrity value, `sha384-<base64>`, of bytes in memory. */
export function integrityOf(bytes: string | Uint8Array, algorithm: IntegrityAlgorithm = "sha384"): string {
  return `${algorithm}-${createHash(algorithm).update(bytes).digest("base64")}`;
}
