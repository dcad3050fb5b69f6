// Real Eleventy builds for the tests, quiet: what Eleventy logs (a failed build's error report, too)
// is kept with the build instead of filling the test log.
import Eleventy from "@11ty/eleventy";

export interface QuietEleventy {
  readonly elev: Eleventy;
  /** Every line Eleventy logged, in order, without its `[11ty]` prefix. */
  readonly log: string[];
}

/** A new Eleventy for `input` -> `output` with no config file, whose logger writes into `log`. */
export function quietEleventy(input: string, output: string, config: (eleventyConfig: any) => void): QuietEleventy {
  const elev = new Eleventy(input, output, { quietMode: true, configPath: false, config });
  const log: string[] = [];
  const keep = (...parts: unknown[]) => {
    log.push(parts.map(String).join(" ").replace(/\x1b\[[0-9;]*m/g, "").replace(/^\[[a-z0-9]+\] ?/gim, ""));
  };
  // Eleventy 3 and 4 both log through `elev.logger`; `overrideLogger` swaps the console it writes to.
  elev.logger.overrideLogger({ log: keep, info: keep, warn: keep, error: keep });
  return { elev, log };
}

/** The chain of errors Eleventy wraps around the one that failed the build (`originalError`, `cause`). */
export function errorChain(error: unknown): Array<Error & { code?: string }> {
  const chain: Array<Error & { code?: string }> = [];
  let current = error as (Error & { code?: string; originalError?: unknown }) | undefined;
  while (current && chain.length < 10) {
    chain.push(current);
    current = (current.originalError ?? current.cause) as typeof current;
  }
  return chain;
}

/** Every message along the chain, as Eleventy's CLI prints them. */
export function messages(error: unknown): string {
  return errorChain(error)
    .map((error) => String(error.message))
    .join("\n");
}
