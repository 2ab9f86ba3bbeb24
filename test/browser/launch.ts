/**
 * Starts a headless Chromium through playwright-core (Playwright's own browser download is not
 * used), so the browser tests need nothing installed by hand. Candidates, in order:
 *   1. DSPGD_CHROMIUM (any Chromium or Chrome binary),
 *   2. Debian's /usr/bin/chromium,
 *   3. an installed Google Chrome or distribution Chromium,
 *   4. the Chromium that the devDependency @sparticuz/chromium ships inside its npm tarball.
 * The first that starts is used. When none does, every browser test fails with each candidate's
 * reason: they are never skipped. Playwright gives every launch a fresh temporary profile.
 */
import { chromium, type Browser } from 'playwright-core';
import { beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMMON_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync'];

const INSTALLED = ['/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome',
  '/usr/bin/chromium-browser', '/snap/bin/chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];

/** A Chromium that started, with the arguments it needs. */
export interface ChromiumChoice {
  label: string;
  executablePath: string;
  args: string[];
}

interface Candidate {
  label: string;
  resolve(): Promise<{ executablePath: string; args: string[] }>;
}

/**
 * @sparticuz/chromium unpacks its Brotli-compressed binary into os.tmpdir() and reuses whatever
 * `chromium` file it finds there, even one half written by a concurrent test file or left by a
 * killed run. So it unpacks into a private staging folder that is then renamed into place in one
 * step: a folder with a `chromium` in it is complete.
 */
async function sparticuz(): Promise<{ executablePath: string; args: string[] }> {
  const { default: Sparticuz } = await import('@sparticuz/chromium');
  // The package exports no ./package.json; its folder is found from its entry point.
  const entry = fileURLToPath(import.meta.resolve('@sparticuz/chromium'));
  const { version } = JSON.parse(readFileSync(join(entry.slice(0, entry.lastIndexOf('/build/')), 'package.json'), 'utf8')) as { version: string };
  const home = join(tmpdir(), `dspgd-sparticuz-chromium-${version}`);
  if (!existsSync(join(home, 'chromium'))) {
    const stage = mkdtempSync(join(tmpdir(), 'dspgd-sparticuz-stage-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = stage; // the package's only way to choose where it unpacks
    try {
      await Sparticuz.executablePath();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    try {
      renameSync(stage, home);
    } catch {
      // Another process renamed its complete copy into place first.
      rmSync(stage, { recursive: true, force: true });
      if (!existsSync(join(home, 'chromium'))) throw new Error(`could not unpack into ${home}`);
    }
  }
  // Its arguments make the headless shell start as root without a sandbox or a GPU. The ones that
  // loosen the web platform (web security, SharedArrayBuffer without cross-origin isolation,
  // insecure content) are left out: the tests check pages as a user's browser would run them.
  // --single-process is left out too: there the browser exits when a test closes its first page.
  const loosening = /^--(disable-web-security|allow-running-insecure-content|enable-features=SharedArrayBuffer|single-process)$/;
  return { executablePath: join(home, 'chromium'), args: Sparticuz.args.filter((a) => !loosening.test(a)) };
}

function candidates(): Candidate[] {
  const file = (label: string, path: string): Candidate => ({
    label,
    resolve: async () => {
      if (!existsSync(path)) throw new Error(`${path} does not exist`);
      return { executablePath: path, args: [] };
    },
  });
  const list: Candidate[] = [];
  if (process.env.DSPGD_CHROMIUM) list.push(file('DSPGD_CHROMIUM', process.env.DSPGD_CHROMIUM));
  list.push(file('Debian Chromium', '/usr/bin/chromium'));
  const chrome = INSTALLED.find((p) => existsSync(p));
  if (chrome) list.push(file('installed Chrome/Chromium', chrome));
  list.push({ label: '@sparticuz/chromium', resolve: sparticuz });
  return list;
}

export interface Launched {
  browser: Browser;
  chromium: ChromiumChoice;
  close(): Promise<void>;
}

// The candidate that started last time: later launches in this process go straight to it.
let known: ChromiumChoice | undefined;

/** Launches the first candidate that starts (each test file is its own process, so each searches once). */
export async function launchChromium(extraArgs: string[] = []): Promise<Launched> {
  const reasons: string[] = [];
  for (const c of known ? [{ label: known.label, resolve: async () => known! }] : candidates()) {
    try {
      const { executablePath, args } = await c.resolve();
      const browser = await chromium.launch({ executablePath, headless: true, timeout: 30_000, args: [...COMMON_ARGS, ...args, ...extraArgs] });
      known = { label: c.label, executablePath, args };
      return { browser, chromium: known, close: () => browser.close() };
    } catch (e) {
      reasons.push(`${c.label}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`No Chromium could start, so the browser tests cannot run. Tried:\n  ${reasons.join('\n  ')}\n`
    + 'Set DSPGD_CHROMIUM to a Chromium or Chrome binary, or run `npm install` (it installs @sparticuz/chromium).');
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
  }, 120_000);
  afterAll(async () => {
    await launched?.close();
  });
  return () => {
    if (failure) throw failure;
    return launched!.browser;
  };
}
