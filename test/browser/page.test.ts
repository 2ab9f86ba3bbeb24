// The demo page as a user meets it (issue 17): no horizontal scrolling from 360 px up, before and
// after a run; no serious or critical axe-core violation, light and dark; a link reproduces a run
// bit for bit; each preset runs and says what the theory says; field-level errors; a failed setup
// after a good run leaves no stale or half-filled results. Screenshots of the desktop and phone
// pages are saved in test-artifacts/ (page-*.png).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { startServer } from '../../web/server.mjs';
import { useChromium } from './launch.js';
import { waitState, watch, setField, choosePreconds } from './page.js';
import { PRESETS } from '../../web/presets.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const ARTIFACTS = 'test-artifacts';

interface Cell { spec: string; status: string; iterations: string; relDistToGD: string; theory: string }
const table = (page: Page): Promise<Cell[]> => page.$$eval('#bias tbody tr', (trs) => trs.map((tr) => {
  const t = [...tr.children].map((td) => (td.querySelector('summary') ?? td).textContent ?? '');
  return { spec: t[0]!, status: t[2]!, iterations: t[3]!, relDistToGD: t[5]!, theory: t[9]! };
}));

/** Hex of each run's W∞ bytes, in the table's order. */
const wHex = (page: Page) => page.evaluate(() => (globalThis as unknown as { dspgdDemo: { runs: { result?: { W: { data: Float64Array } } }[] } }).dspgdDemo.runs
  .map((r) => Array.from(new Uint8Array(r.result!.W.data.buffer, r.result!.W.data.byteOffset, r.result!.W.data.byteLength)).map((b) => b.toString(16).padStart(2, '0')).join('')));

/** How far the page is wider than the viewport, and the widest offenders outside scroll containers. */
async function overflow(page: Page): Promise<{ extra: number; culprits: string[] }> {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const vw = doc.clientWidth;
    const culprits: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= vw + 0.5) continue;
      let p = el.parentElement, clipped = false;
      while (p && p !== document.body) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
        p = p.parentElement;
      }
      if (!clipped) culprits.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ')[0]}` : ''} right=${Math.round(r.right)}`);
    }
    return { extra: doc.scrollWidth - vw, culprits: culprits.slice(0, 8) };
  });
}

async function expectNoOverflow(page: Page, when: string) {
  for (const width of [360, 390, 1440]) {
    await page.setViewportSize({ width, height: width < 500 ? 844 : 900 });
    await page.waitForTimeout(50);
    const o = await overflow(page);
    expect(o, `${when} at ${width} px`).toEqual({ extra: 0, culprits: [] });
  }
}

/** axe-core's serious and critical violations (rule id and where). */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: AXE });
  const v = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(c: Document, o: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return v.filter((x) => x.impact === 'serious' || x.impact === 'critical').map((x) => `${x.id} (${x.impact}): ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

async function runAndWait(page: Page, timeout = 60_000): Promise<string> {
  await page.click('#run');
  return waitState(page, ['done', 'aborted', 'error'], timeout);
}

async function fresh(page: Page, hash = '') {
  await page.goto(`${server.url}${hash}`);
  await waitState(page, ['idle']);
}

let server: Awaited<ReturnType<typeof startServer>>;

describe('demo page: layout, accessibility, links, presets, errors', () => {
  const browser = useChromium();
  beforeAll(async () => { server = await startServer({ port: 0 }); });
  afterAll(async () => {
    // Keep-alive connections of pages a failed test left open would hold close() past the hook's timeout.
    (server?.server as { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
    await server?.close();
  });

  it('fits every width from 360 px, before and after a run; axe-core finds nothing serious, light or dark; screenshots saved', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const page = await browser().newPage({ viewport: { width: 1440, height: 900 } });
    const problems = watch(page);
    await fresh(page);
    await expectNoOverflow(page, 'before a run');
    expect(await axeViolations(page), 'axe before a run').toEqual([]);
    // Every input has a visible hint or label; the run picker and the loss have names.
    expect(await page.$eval('#f-loss', (el) => el.labels?.[0]?.textContent)).toBe('loss ℓ');
    expect(await page.$eval('#dl-run', (el: HTMLSelectElement) => el.labels?.[0]?.textContent)).toBe('run to download');
    expect(await page.$$eval('[title]', (els) => els.map((e) => e.tagName))).toEqual([]);
    // Formulas were typeset at build time (MathML for screen readers beside the HTML).
    expect(await page.$$eval('.tex .katex math', (m) => m.length)).toBeGreaterThanOrEqual(4);

    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await runAndWait(page)).toBe('done');
    await expectNoOverflow(page, 'after a run');
    expect(await axeViolations(page), 'axe after a run').toEqual([]);
    expect(await page.textContent('#loss-summary')).toMatch(/Loss against iteration, 12 runs\. gd @ lr .* in \d+ iterations \(converged\)/);
    expect(await page.textContent('#c-summary')).toMatch(/converged runs only\. gd: c from 1\.000000/);

    await page.setViewportSize({ width: 1440, height: 900 });
    await page.screenshot({ path: `${ARTIFACTS}/page-desktop.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${ARTIFACTS}/page-phone.png`, fullPage: true });
    // The full phone page is too tall to read at once: also in screen-high slices.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let y = 0, i = 1; y < height - 100; y += 1200, i++) {
      await page.screenshot({ path: `${ARTIFACTS}/page-phone-${i}.png`, fullPage: true, clip: { x: 0, y, width: 390, height: Math.min(1200, height - y) } });
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(20, 24, 29)');
    expect(await axeViolations(page), 'axe after a run, dark').toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/page-phone-dark.png`, fullPage: true });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.screenshot({ path: `${ARTIFACTS}/page-desktop-dark.png`, fullPage: true });
    console.log(`demo page screenshots: ${ARTIFACTS}/page-{desktop,phone}{,-dark}.png`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the URL carries every setting: opening it in a fresh page reproduces W∞ bit for bit', async () => {
    const page = await browser().newPage();
    await fresh(page);
    const set = { kind: 'teacher', n: '24', d: '80', k: '2', seed: '13', noise: '0.05', loss: 'huber:delta=0.5', lrs: '0.02, 0.5*auto', tol: '1e-9', maxIter: '30000' };
    for (const [k, v] of Object.entries(set)) await setField(page, k, v);
    await choosePreconds(page, ['gd', 'adam:eps=0.05', 'sign:eps=0.1']);
    await page.dispatchEvent('#controls input[name=pc]', 'change');
    expect(await runAndWait(page)).toBe('done');
    const first = await wHex(page);
    expect(first.length).toBe(6);
    const url = page.url();
    expect(url).toContain('#');
    expect(url).toContain('p.adam=eps=0.05');
    expect(url).toContain('loss=huber:delta=0.5');
    await page.close();

    const again = await browser().newPage();
    await again.goto(url);
    await waitState(again, ['idle']);
    for (const [k, v] of Object.entries(set)) expect(await again.inputValue(`#controls [name="${k}"]`), k).toBe(v);
    expect(await again.$$eval('input[name=pc]:checked', (b) => b.map((x) => (x as HTMLInputElement).value))).toEqual(['gd', 'adam', 'sign']);
    expect(await runAndWait(again)).toBe('done');
    expect(await wHex(again)).toEqual(first);
    await again.close();
  });

  it('each preset runs with one click and the theory column says what the theory says', async () => {
    const page = await browser().newPage();
    const problems = watch(page);
    await fresh(page);
    const seen: Record<string, Cell[]> = {};
    for (const p of PRESETS) {
      await page.click(`#preset-buttons button[data-preset="${p.id}"]`);
      expect(await waitState(page, ['done', 'aborted', 'error'], 60_000), p.id).toBe('done');
      seen[p.id] = await table(page);
      expect(seen[p.id]!.length, p.id).toBeGreaterThan(0);
      expect(await page.textContent('#preset-note')).toContain(p.title);
      expect(page.url(), p.id).toContain(Object.keys(p.pc).map((n) => `p.${n}=`)[0]);
    }
    const theory = (id: string) => seen[id]!.map((r) => `${r.spec}: ${r.theory}`);
    expect(theory('isotropic').every((t) => t.endsWith('on W_GD∞, as predicted')), theory('isotropic').join('\n')).toBe(true);
    expect(theory('rowspace').every((t) => t.endsWith('on W_GD∞, as predicted')), theory('rowspace').join('\n')).toBe(true);
    expect(theory('elementwise').every((t) => t.endsWith('off W_GD∞ (allowed)')), theory('elementwise').join('\n')).toBe(true);
    // X = [T 0]: the elementwise ones land on W_GD∞ too (relDistToGD at round-off).
    expect(theory('padded').filter((t) => !t.startsWith('gd')).every((t) => t.endsWith('on W_GD∞ (allowed)')), theory('padded').join('\n')).toBe(true);
    expect(seen.padded!.every((r) => Number(r.relDistToGD) < 1e-6)).toBe(true);
    // Ill-conditioned: stops at max-iter, and the cell says so instead of a verdict.
    expect(seen.illcond!.map((r) => [r.status, r.theory])).toEqual(seen.illcond!.map(() => ['max-iter', 'not converged (max iterations)']));
    expect(theory('tall').every((t) => t.endsWith('no interpolant: theory does not apply')), theory('tall').join('\n')).toBe(true);
    expect(theory('adam')).toEqual([
      'gd: on W_GD∞, as predicted',
      'adam:eps=0.1: off W_GD∞ (allowed)',
      'adam:eps=0.1,beta1=0.9,beta2=0.999: outside the theory (stateful): measured off W_GD∞',
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('warns before a run likely not to converge; progress shows iterations of max; Cancel answers at once', async () => {
    const page = await browser().newPage();
    await fresh(page);
    await setField(page, 'loss', 'lp:p=3');
    await page.waitForFunction(() => document.querySelectorAll('#warnings li').length > 0);
    expect(await page.textContent('#warnings')).toMatch(/lp:p=3: .*polynomially.*likely out of reach/);
    await setField(page, 'loss', 'squared');
    for (const [k, v] of Object.entries({ kind: 'spectrum', n: '60', d: '600', k: '1', cond: '1000', lrs: '0.001', maxIter: '100000000' })) await setField(page, k, v);
    await choosePreconds(page, ['gd']);
    await page.click('#run');
    await waitState(page, ['running']);
    await page.waitForFunction(() => /^[\d,]+ \/ 100,000,000$/.test(document.querySelector('#bias tbody tr td:nth-child(4)')?.textContent ?? ''), null, { timeout: 15_000 });
    expect(await page.textContent('#warnings')).toMatch(/gd @ lr 0\.001: about \S+ iterations expected \(kind spectrum with cond 1000: κ\(XXᵀ\) = cond²; lr = \S+×auto; tol 1e-10\), more than max iterations 100,000,000: likely to stop at max-iter\./);
    await page.waitForFunction(() => /slowest at [\d,]+ of 100,000,000 iterations/.test(document.querySelector('#status')?.textContent ?? ''), null, { timeout: 15_000 });
    // Cancel: the button is disabled and says so in the same task as the click.
    const feedback = await page.evaluate(() => {
      const b = document.querySelector<HTMLButtonElement>('#cancel')!;
      b.click();
      return { disabled: b.disabled, text: b.textContent, status: document.querySelector('#status')!.textContent };
    });
    expect(feedback).toEqual({ disabled: true, text: 'Cancelling…', status: 'cancelling… (each run stops at its next iteration)' });
    expect(await waitState(page, ['done', 'aborted', 'error'], 15_000)).toBe('aborted');
    expect((await table(page)).map((r) => r.theory)).toEqual(['not converged (cancelled)']);
    await page.close();
  });

  it('errors name the field, what was expected and what was typed, without internal codes; the field is marked invalid', async () => {
    const page = await browser().newPage();
    await fresh(page);
    await setField(page, 'n', 'forty');
    await page.fill('#controls [name="pc-adam"]', 'eps=-1');
    await setField(page, 'lrs', '0.1, fast');
    expect(await runAndWait(page)).toBe('error');
    expect(await page.textContent('#err-n')).toBe('n (samples): expected a whole number ≥ 1, got "forty"');
    expect(await page.getAttribute('#f-n', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#err-pc-adam')).toBe('adam: expected a number > 0, got -1');
    expect(await page.getAttribute('[name="pc-adam"]', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#err-lrs')).toBe('learning rates: expected a learning rate > 0, auto or F*auto (F > 0, e.g. 0.5*auto), got "fast"');
    expect(await page.textContent('#status')).toMatch(/^Fix the 3 highlighted fields\. First: n \(samples\)/);
    expect(await page.textContent('body')).not.toMatch(/E_[A-Z]+/);
    expect(await axeViolations(page), 'axe with errors shown').toEqual([]);
    // Typing in a field clears its message; the page runs again.
    await setField(page, 'n', '40');
    expect(await page.textContent('#err-n')).toBe('');
    expect(await page.getAttribute('#f-n', 'aria-invalid')).toBe(null);
    await page.fill('#controls [name="pc-adam"]', 'eps=0.1');
    await setField(page, 'lrs', '0.5*auto');
    await setField(page, 'loss', 'huber:delta=-1');
    expect(await runAndWait(page)).toBe('error');
    expect(await page.textContent('#err-loss')).toBe('loss: expected a number > 0, got -1');
    await setField(page, 'loss', 'squared');
    expect(await runAndWait(page)).toBe('done');
    await page.close();
  });

  it('a setup error after a good run: no row left "running", old results cleared, downloads off; a form error keeps the old results, marked stale', async () => {
    const dir = `${ARTIFACTS}/page-upload`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/X.csv`, Array.from({ length: 6 }, (_, i) => Array.from({ length: 10 }, (_, j) => String(Math.sin(i * 10 + j))).join(',')).join('\n'));
    writeFileSync(`${dir}/Y.csv`, Array.from({ length: 5 }, (_, i) => String(i)).join('\n'));
    const page = await browser().newPage();
    await fresh(page);
    await choosePreconds(page, ['gd', 'sign:eps=0.1']);
    await setField(page, 'lrs', 'auto');
    expect(await runAndWait(page)).toBe('done');
    expect(await page.isEnabled('#dl-json')).toBe(true);

    // A form error: nothing ran, the results stay (and say they belong to the previous settings).
    await setField(page, 'seed', '-1');
    expect(await runAndWait(page)).toBe('error');
    expect((await table(page)).map((r) => r.status)).toEqual(['converged', 'converged']);
    expect(await page.isEnabled('#dl-json')).toBe(true);
    expect(await page.isVisible('#stale')).toBe(true);
    expect(await page.getAttribute('#results', 'class')).toContain('stale');

    // A setup error after the results were cleared (X 6×10 but Y of length 5): nothing stale stays.
    await setField(page, 'seed', '7');
    await page.check('#controls input[name=source][value=upload]');
    await page.setInputFiles('#controls input[name=X]', `${dir}/X.csv`);
    await page.setInputFiles('#controls input[name=Y]', `${dir}/Y.csv`);
    await page.waitForFunction(() => /Y\.csv: 5 \(a vector\)/.test(document.querySelector('#shape-Y')?.textContent ?? ''));
    expect(await page.textContent('#shape-X')).toBe('X.csv: 6 × 10');
    expect(await runAndWait(page)).toBe('error');
    expect(await page.$$eval('#bias tbody tr', (trs) => trs.length)).toBe(0);
    expect(await page.$$eval('#lossplot svg, #cplot svg', (s) => s.length)).toBe(0);
    expect(await page.textContent('#measured')).toMatch(/^The run failed: /);
    expect(await page.isEnabled('#dl-json')).toBe(false);
    expect(await page.isVisible('#stale')).toBe(false);
    expect(await page.textContent('#status')).toMatch(/^The run failed: .*Y/);
    expect(await page.textContent('#status')).not.toMatch(/E_[A-Z]+/);
    expect(await page.getAttribute('#f-Y', 'aria-invalid')).toBe('true');
    await page.close();
  });
});
