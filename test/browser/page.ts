/** Helpers shared by the browser tests: the demo page's state, and bytes as hex for bit-for-bit comparisons. */
import type { Page } from 'playwright-core';

export const hex = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/** Waits until the demo page's state is one of `states` (the page exposes it as globalThis.dspgdDemo). */
export async function waitState(page: Page, states: string[], timeout = 30_000): Promise<string> {
  const handle = await page.waitForFunction((s) => {
    const st = (globalThis as { dspgdDemo?: { state: string } }).dspgdDemo?.state;
    return st !== undefined && s.includes(st) ? st : false;
  }, states, { timeout });
  return (await handle.jsonValue()) as string;
}

/** Collects page errors and failed requests, so a test can assert there were none. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  return problems;
}

export async function setField(page: Page, name: string, value: string): Promise<void> {
  const sel = `#controls [name="${name}"]`;
  if (await page.$eval(sel, (el) => el.tagName === 'SELECT')) await page.selectOption(sel, value);
  else await page.fill(sel, value);
}

/** Ticks exactly the preconditioners given as 'name' or 'name:params'. */
export async function choosePreconds(page: Page, specs: string[]): Promise<void> {
  await page.evaluate((list) => {
    const want = new Map(list.map((s) => [s.split(':')[0], s.includes(':') ? s.slice(s.indexOf(':') + 1) : '']));
    for (const box of document.querySelectorAll<HTMLInputElement>('input[name=pc]')) {
      box.checked = want.has(box.value);
      const params = document.querySelector<HTMLInputElement>(`input[name="pc-${box.value}"]`);
      if (params && want.has(box.value)) params.value = want.get(box.value)!;
    }
  }, specs);
}
