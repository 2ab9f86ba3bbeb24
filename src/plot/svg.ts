/**
 * Tiny string-building helpers for SVG. Charts are produced as strings (no
 * DOM) so the same code runs in Node for the CLI report and in the browser
 * bundle; everything user-supplied goes through {@link escapeXml}.
 */

/**
 * Shared typography. A generic sans-serif stack rather than a web font so the
 * file renders the same without network access (rsvg, Inkscape, browsers).
 */
export const FONT = {
  family: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  size: 12,
  titleSize: 15,
  tickSize: 11,
  color: '#222222',
  muted: '#555555',
  grid: '#e3e3e3',
  axis: '#333333',
} as const;

// XML 1.0 forbids these code points even when escaped, so they are dropped:
// C0 controls except TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the code points XML forbids
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for use both in element content and in quoted attribute values. */
export function escapeXml(text: string): string {
  return String(text).replace(INVALID_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * Formats a coordinate with at most 2 decimals (sub-pixel precision is
 * invisible and only bloats the file). Throws on non-finite input: callers
 * filter data first, so reaching here with NaN is a bug we want loud rather
 * than a silent `NaN` attribute that some renderers treat as 0.
 */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`plot: non-finite coordinate ${v}`);
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

export type AttrValue = string | number | undefined | null | false;

/** Renders attributes; `undefined`/`null`/`false` are omitted, numbers go through {@link num}. */
export function attrs(a: Record<string, AttrValue>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null || v === false) continue;
    out += ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`;
  }
  return out;
}

/**
 * One element. `children` is raw (already-built) markup; use {@link text} for
 * user text. An element with no children is self-closed.
 */
export function el(tag: string, a: Record<string, AttrValue> = {}, children: string | readonly string[] = ''): string {
  const body = typeof children === 'string' ? children : children.join('');
  return body === '' ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${body}</${tag}>`;
}

/** A `<text>` element with escaped content. */
export function text(content: string, a: Record<string, AttrValue> = {}): string {
  return `<text${attrs(a)}>${escapeXml(content)}</text>`;
}

/** A `<title>` (tooltip and accessible name) with escaped content. */
export function title(content: string): string {
  return `<title>${escapeXml(content)}</title>`;
}

/**
 * Rough rendered width of a string. Used only for layout (margins, legend
 * width, truncation); 0.6em per character is a deliberate over-estimate for
 * proportional sans fonts so labels are not clipped.
 */
export function textWidth(s: string, fontSize: number = FONT.size): number {
  return [...s].length * fontSize * 0.6;
}

/** Shortens `s` to at most `max` characters with an ellipsis (the full text goes in a `<title>`). */
export function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

export interface DocumentOptions {
  width: number;
  height: number;
  title: string;
  /** Plain-language summary for screen readers (`<desc>`). */
  desc: string;
  /** Extra class on the root, e.g. `dspgd-line-chart`. */
  className: string;
}

/**
 * Wraps chart content in a standalone SVG document: namespace, viewBox (so it
 * scales when embedded), explicit width/height (so viewers without CSS show it
 * at its natural size), a white background (readable on dark viewers), and
 * `<title>`/`<desc>` for accessibility.
 */
export function svgDocument(o: DocumentOptions, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg"` +
    attrs({
      viewBox: `0 0 ${num(o.width)} ${num(o.height)}`,
      width: o.width,
      height: o.height,
      role: 'img',
      class: o.className,
      'font-family': FONT.family,
      'font-size': FONT.size,
      fill: FONT.color,
    }) +
    '>' +
    title(o.title) +
    `<desc>${escapeXml(o.desc)}</desc>` +
    el('rect', { x: 0, y: 0, width: o.width, height: o.height, fill: '#ffffff' }) +
    body +
    '</svg>'
  );
}
