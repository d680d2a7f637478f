// Debian's chromium, headless, as every browser run here launches it.

import { chromium } from 'playwright-core';

// The launch flags for headless runs on CI machines.
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Debian's chromium (or $CHROMIUM), headless, with CHROMIUM_FLAGS. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
    headless: true,
  });
}
