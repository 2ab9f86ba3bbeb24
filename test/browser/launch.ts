/**
 * Starts Debian's Chromium through playwright-core (Playwright's own browser
 * download is not used). When Chromium cannot start, the error says why and
 * how to fix it: these tests fail, they are never skipped. Playwright gives
 * every launch a fresh temporary profile (it refuses --user-data-dir here).
 */
import { chromium, type Browser } from 'playwright-core';
import { beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.DSPGD_CHROMIUM ?? '/usr/bin/chromium';

export interface Launched {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(extraArgs: string[] = []): Promise<Launched> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the browser tests need it. Install it with \`apt-get install -y chromium\` `
      + '(.ci/run does), or set DSPGD_CHROMIUM to another Chromium binary.');
  }
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run',
        '--disable-component-update', '--disable-sync', ...extraArgs],
    });
  } catch (e) {
    throw new Error(`Chromium at ${CHROMIUM} could not start, so the browser tests cannot run: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  return {
    browser,
    close: () => browser.close(),
  };
}

/**
 * One Chromium for a test file. A launch failure is kept and thrown by every test that asks for
 * the browser, so each of them fails with the reason (a failing beforeAll would mark them skipped).
 */
export function useChromium(extraArgs: string[] = []): () => Browser {
  let launched: Launched | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      launched = await launchChromium(extraArgs);
    } catch (e) {
      failure = e;
    }
  }, 60_000);
  afterAll(async () => {
    await launched?.close();
  });
  return () => {
    if (failure) throw failure;
    return launched!.browser;
  };
}
