/**
 * Starts a headless Firefox through puppeteer-core over WebDriver BiDi. Candidates: DSPGD_FIREFOX,
 * then Debian's firefox-esr, then a firefox on the usual paths. Nothing is downloaded: when none
 * starts, the error names each candidate's reason (the tests that need Firefox fail with it).
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

const PATHS = ['/usr/bin/firefox-esr', '/usr/bin/firefox', '/usr/lib/firefox-esr/firefox-esr', '/Applications/Firefox.app/Contents/MacOS/firefox'];

const candidates = () => [...(process.env.DSPGD_FIREFOX ? [process.env.DSPGD_FIREFOX] : []), ...PATHS];

/**
 * Firefox is the one test dependency npm cannot install. Where none is on the machine the Firefox
 * test is reported as skipped (with this reason) unless DSPGD_REQUIRE_FIREFOX=1, which .ci/run sets
 * after installing firefox-esr: there it is required and fails with the reason.
 */
export const firefoxMissing: string | undefined = process.env.DSPGD_REQUIRE_FIREFOX === '1' || candidates().some((p) => existsSync(p))
  ? undefined
  : `no Firefox on this machine (tried ${candidates().join(', ')}); apt-get install firefox-esr to run it (.ci/run does, and requires it)`;

export async function launchFirefox(): Promise<Browser> {
  const list = candidates();
  const reasons: string[] = [];
  for (const executablePath of list) {
    if (!existsSync(executablePath)) {
      reasons.push(`${executablePath} does not exist`);
      continue;
    }
    try {
      return await puppeteer.launch({
        browser: 'firefox', protocol: 'webDriverBiDi', executablePath, headless: true, timeout: 60_000,
        // No update checks, telemetry or other background requests from a throwaway profile.
        extraPrefsFirefox: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false, 'network.captive-portal-service.enabled': false },
      });
    } catch (e) {
      reasons.push(`${executablePath}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`No Firefox could start. Tried:\n  ${reasons.join('\n  ')}\n`
    + 'Install Debian\'s firefox-esr (`apt-get install -y firefox-esr`, as .ci/run does) or set DSPGD_FIREFOX to a Firefox binary.');
}
