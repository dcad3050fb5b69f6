/** Debian's Chromium, headless, for the browser tests: one place for its path and its flags. */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

// Without the background-networking flags Chromium keeps calling out, and this machine's network refuses it.
const LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"],
};

/** A browser with a fresh profile in `profile`, so each suite starts with an empty cache. */
export function launchChromiumContext(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, LAUNCH);
}

/** A browser whose contexts start empty. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch(LAUNCH);
}
