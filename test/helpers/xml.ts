/**
 * A tiny *strict* XML parser for tests (copied from test/plot.test.ts; no XML
 * parser is installed). It rejects unmatched/misnested tags, more than one
 * root, text outside the root, a raw '<' or unknown/unterminated entity, '<'
 * in attribute values, duplicate or unquoted attributes, and invalid names.
 */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: (XmlNode | string)[];
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const INVALID_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decode(s: string, where: string): string {
  if (s.includes('<')) throw new Error(`raw '<' in ${where}`);
  return s.replace(/&([^;]*);|&/g, (_m, ent: string | undefined) => {
    if (ent === undefined) throw new Error(`bare '&' in ${where}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ent in named) return named[ent]!;
    const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ent);
    if (!num) throw new Error(`unknown entity &${ent}; in ${where}`);
    return String.fromCodePoint(num[1] ? parseInt(num[1], 16) : parseInt(num[2]!, 10));
  });
}

export function parseXml(src: string): XmlNode {
  if (INVALID_CHARS.test(src)) throw new Error('character not allowed in XML');
  let i = 0;
  const stack: XmlNode[] = [];
  let root: XmlNode | null = null;
  const ws = () => { while (i < src.length && /\s/.test(src[i]!)) i++; };
  const name = (): string => {
    const m = NAME.exec(src.slice(i, i + 200));
    if (!m) throw new Error(`bad name at ${i}: ${JSON.stringify(src.slice(i, i + 20))}`);
    i += m[0].length;
    return m[0];
  };
  while (i < src.length) {
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
    } else if (src.startsWith('</', i)) {
      i += 2;
      const n = name();
      ws();
      if (src[i] !== '>') throw new Error(`bad end tag </${n}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== n) throw new Error(`</${n}> closes <${open?.name}>`);
    } else if (src[i] === '<') {
      i++;
      const node: XmlNode = { name: name(), attrs: {}, children: [] };
      for (;;) {
        const before = i;
        ws();
        if (src.startsWith('/>', i) || src[i] === '>') break;
        if (i === before) throw new Error(`no space before attribute in <${node.name}>`);
        const a = name();
        ws();
        if (src[i] !== '=') throw new Error(`attribute ${a} without value`);
        i++;
        ws();
        const q = src[i];
        if (q !== '"' && q !== "'") throw new Error(`unquoted attribute ${a}`);
        const end = src.indexOf(q, i + 1);
        if (end < 0) throw new Error('unterminated attribute');
        if (a in node.attrs) throw new Error(`duplicate attribute ${a}`);
        node.attrs[a] = decode(src.slice(i + 1, end), `attribute ${a}`);
        i = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(node);
      else if (root) throw new Error('second root element');
      else root = node;
      if (src.startsWith('/>', i)) i += 2;
      else { i++; stack.push(node); }
    } else {
      const end = src.indexOf('<', i);
      const raw = src.slice(i, end < 0 ? src.length : end);
      i += raw.length;
      const parent = stack[stack.length - 1];
      if (!parent) {
        if (raw.trim()) throw new Error('text outside the root element');
      } else parent.children.push(decode(raw, `<${parent.name}> text`));
    }
  }
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

export function all(node: XmlNode, pred: (n: XmlNode) => boolean, out: XmlNode[] = []): XmlNode[] {
  if (pred(node)) out.push(node);
  for (const c of node.children) if (typeof c !== 'string') all(c, pred, out);
  return out;
}
export const hasClass = (c: string) => (n: XmlNode) => (n.attrs.class ?? '').split(/\s+/).includes(c);
export const textOf = (n: XmlNode): string => n.children.map((c) => (typeof c === 'string' ? c : c.name === 'title' ? '' : textOf(c))).join('');
