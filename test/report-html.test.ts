// src/report/html.ts: one self-contained, well-formed page that embeds every figure and lists every run.
import { describe, it, expect } from 'vitest';
import { reportFigures } from '../src/report/figures.js';
import { reportHtml, metaText } from '../src/report/html.js';
import { fmtLr } from '../src/experiment.js';
import { all, hasClass, textOf, type XmlNode } from './helpers/xml.js';
import { SMALL, parseHtml, checkSelfContained } from './helpers/report-data.js';

describe('html', () => {
  const figures = reportFigures(SMALL);
  const input = {
    title: 'Report <b>&</b> "quotes"',
    intro: 'A gaussian problem n=10, d=30.\n\nSecond paragraph with <tags>.',
    conclusions: ['1. Interpolation: all runs converged.', '2. x < y & z'],
    rows: SMALL.rows, figures,
    meta: { problem: { kind: 'gaussian', n: 10, d: 30, k: 2, seed: 1 }, tol: 1e-10, skipped: undefined, rank: 10 },
  };

  it('is one well-formed, self-contained page with every figure and every run', () => {
    const html = reportHtml(input);
    const root = parseHtml(html);
    checkSelfContained(html);
    expect(root.name).toBe('html');

    // every figure's SVG is embedded verbatim, with its caption
    const figs = all(root, (n) => n.name === 'figure');
    expect(figs).toHaveLength(figures.length);
    for (const f of figures) {
      expect(html).toContain(f.svg);
      const fig = figs.find((n) => n.attrs.id === `fig-${f.name}`)!;
      expect(fig).toBeDefined();
      expect(all(fig, (n) => n.name === 'svg')).toHaveLength(1);
      expect(textOf(all(fig, (n) => n.name === 'figcaption')[0]!)).toContain(f.caption);
    }

    // every run is a row of the results table
    const trs = all(all(root, (n) => n.name === 'tbody')[0]!, (n) => n.name === 'tr');
    expect(trs).toHaveLength(SMALL.rows.length);
    SMALL.rows.forEach((r, i) => {
      const tds = trs[i]!.children.filter((c): c is XmlNode => typeof c !== 'string' && c.name === 'td').map((c) => textOf(c));
      expect(tds[0]).toBe(r.precond);
      expect(tds).toContain(fmtLr(r.lr));
      expect(tds).toContain(r.status);
    });

    // text is escaped, not markup
    expect(textOf(all(root, (n) => n.name === 'h1')[0]!)).toBe(input.title);
    expect(textOf(all(root, (n) => n.name === 'title')[0]!)).toBe(input.title);
    expect(html).toContain('Second paragraph with &lt;tags&gt;.');
    const items = all(root, (n) => n.name === 'li').map(textOf);
    expect(items).toEqual(input.conclusions);
    // numbered conclusions keep their own numbers (a plain list)
    expect(all(root, hasClass('conclusions'))[0]!.name).toBe('ul');
    expect(all(parseHtml(reportHtml({ ...input, conclusions: ['a', 'b'] })), hasClass('conclusions'))[0]!.name).toBe('ol');

    // setup list: nested objects and full-precision numbers, undefined skipped
    const dts = all(root, (n) => n.name === 'dt').map(textOf);
    expect(dts).toEqual(['problem', 'tol', 'rank']);
    expect(html).toContain('kind=gaussian, n=10, d=30, k=2, seed=1');
    expect(metaText(0.1 + 0.2)).toBe('0.30000000000000004');
  });

  it('works with no rows, figures, conclusions or meta', () => {
    const html = reportHtml({ title: 't', intro: '', conclusions: [], rows: [], figures: [] });
    parseHtml(html);
    checkSelfContained(html);
    expect(html).not.toContain('<figure');
  });
});
