// The demo page's HTML for dist/web/ (called from browser-build.mjs): formulas typeset with KaTeX
// at build time, so the page needs no script for them and works offline; KaTeX's stylesheet and
// its woff2 fonts are copied beside it (every browser the page supports reads woff2).
//
// In web/index.html a formula is an element with class "tex" and its TeX in data-tex (data-display
// for a display formula); its text is the plain-Unicode fallback that the build replaces.
import katex from 'katex';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TEX = /<(span|div) class="tex"( data-display)? data-tex="([^"]*)">([\s\S]*?)<\/\1>/g;
const fromAttribute = (s) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** index.html with every formula rendered (HTML for the eye, MathML for screen readers). */
export function renderFormulas(html) {
  return html.replace(TEX, (_, tag, display, tex) => {
    const out = katex.renderToString(fromAttribute(tex), { displayMode: Boolean(display), output: 'htmlAndMathml', throwOnError: true, strict: 'error' });
    return `<${tag} class="tex">${out}</${tag}>`;
  });
}

export function buildDemoPage(outDir = 'dist/web') {
  writeFileSync(join(outDir, 'index.html'), renderFormulas(readFileSync('web/index.html', 'utf8')));
  const dist = 'node_modules/katex/dist';
  mkdirSync(join(outDir, 'katex/fonts'), { recursive: true });
  copyFileSync(join(dist, 'katex.min.css'), join(outDir, 'katex/katex.min.css'));
  for (const f of readdirSync(join(dist, 'fonts')).filter((n) => n.endsWith('.woff2'))) copyFileSync(join(dist, 'fonts', f), join(outDir, 'katex/fonts', f));
}
