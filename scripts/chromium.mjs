// Finds and starts the system's Chromium (Debian's `chromium` package) for the browser
// tests. playwright-core drives it through `executablePath`; no browser is ever
// downloaded. CHROMIUM_PATH overrides the search.
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/usr/bin/google-chrome'];

/** The Chromium executable to use, or undefined when none is installed. */
export function findChromium() {
  const given = process.env.CHROMIUM_PATH;
  if (given) return existsSync(given) ? given : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * Flags for a headless run on a machine without a network beyond loopback: background
 * networking, component updates and sync would otherwise try to reach the internet at
 * every start. `--no-sandbox` because the tests may run as root (CI containers).
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
];

/**
 * Starts Chromium through playwright-core. Throws with the fix when it is missing, so a
 * test run without it fails loudly instead of skipping the browser tests.
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchChromium() {
  const executablePath = findChromium();
  if (!executablePath)
    throw new Error("Chromium is not installed: run `bash scripts/setup.sh` (installs Debian's chromium package) or set CHROMIUM_PATH");
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}
