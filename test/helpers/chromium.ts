import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Browser tests, the screenshots and the bench drive Debian's Chromium (`apt-get install chromium`), never a
 * browser Playwright downloads: CHROMIUM_PATH overrides where it is. Its own file, free of the tests' set-up,
 * so scripts can import it outside vitest.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH });
}
