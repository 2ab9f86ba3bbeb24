/**
 * The Python literals that appear in `.npy` headers, read strictly: str, int,
 * True/False/None, tuple, list and dict, nothing that would need evaluation.
 *
 * Two stages: a lexer that cuts the text into tokens on demand (so that the
 * parser, which knows the context, reports a stray character rather than the
 * lexer), and a recursive-descent parser over those tokens. A syntax error is
 * a {@link PySyntaxError} whose message ends with the offset in the text.
 */

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
/** str → string, int → bigint, True/False → boolean, None → null, list → array, tuple, dict → Map. */
export type PyValue = string | bigint | boolean | null | PyValue[] | PyTuple | Map<string, PyValue>;

export class PySyntaxError extends Error {}

/**
 * Parses one literal that fills `text` (surrounding whitespace allowed).
 * `allowLongSuffix`: accept Python 2's `3L` integers (NumPy still reads them
 * in format versions 1.0 and 2.0).
 */
export function parsePyLiteral(text: string, allowLongSuffix: boolean): PyValue {
  return new Parser(new Lexer(text, allowLongSuffix)).parseTop();
}

/** The literal as Python's repr() writes it. */
export function pyRepr(v: PyValue): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof PyTuple) return v.items.length === 1 ? `(${pyRepr(v.items[0])},)` : `(${v.items.map(pyRepr).join(', ')})`;
  return `{${[...v].map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

// --- Lexer --------------------------------------------------------------------

type Token =
  | { kind: 'punct'; text: '{' | '}' | '(' | ')' | '[' | ']' | ',' | ':'; pos: number }
  | { kind: 'str'; value: string; pos: number }
  | { kind: 'int'; value: bigint; pos: number }
  | { kind: 'name'; text: string; pos: number }
  /** A character that starts no token; the parser says where it is unexpected. */
  | { kind: 'other'; pos: number }
  | { kind: 'end'; pos: number };

const PUNCT = '{}()[],:';
const WHITESPACE = ' \t\n\r\f';

class Lexer {
  private pos = 0;
  private ahead?: Token;

  constructor(readonly text: string, private readonly allowLongSuffix: boolean) {}

  peek(): Token {
    return (this.ahead ??= this.scan());
  }

  next(): Token {
    const t = this.peek();
    this.ahead = undefined;
    return t;
  }

  /** The text at `pos`, for messages: the next few characters, or 'end of header'. */
  describe(pos: number): string {
    if (pos >= this.text.length) return 'end of header';
    return JSON.stringify(this.text.slice(pos, pos + 12).trimEnd() || this.text[pos]);
  }

  error(msg: string, pos: number): never {
    throw new PySyntaxError(`${msg} at offset ${pos}`);
  }

  private scan(): Token {
    const s = this.text;
    while (this.pos < s.length && WHITESPACE.includes(s[this.pos])) this.pos++;
    const pos = this.pos;
    const c = s[pos];
    if (c === undefined) return { kind: 'end', pos };
    if (PUNCT.includes(c)) {
      this.pos++;
      return { kind: 'punct', text: c as '{', pos };
    }
    if (c === "'" || c === '"') return { kind: 'str', value: this.string(), pos };
    if (c === '-' || c === '+' || (c >= '0' && c <= '9')) {
      const value = this.int();
      return value === undefined ? { kind: 'other', pos } : { kind: 'int', value, pos };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(pos, pos + 64));
    if (m) {
      this.pos += m[0].length;
      return { kind: 'name', text: m[0], pos };
    }
    return { kind: 'other', pos };
  }

  private string(): string {
    const s = this.text;
    const q = s[this.pos++];
    let out = '';
    for (;;) {
      const c = s[this.pos++];
      if (c === undefined || c === '\n') this.error('unterminated string', --this.pos);
      if (c === q) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = s[this.pos++];
      if (e !== '\\' && e !== "'" && e !== '"') this.error(`unsupported escape sequence '\\${e ?? ''}' in a string`, --this.pos);
      out += e;
    }
  }

  /** A signed decimal integer, or undefined (position unchanged) when there are no digits. */
  private int(): bigint | undefined {
    const start = this.pos;
    const m = /^([+-]?)[ \t]*(\d+)/.exec(this.text.slice(start));
    if (!m) return undefined;
    const digits = m[2];
    if (digits.length > 1 && digits[0] === '0' && /[1-9]/.test(digits)) this.error(`invalid integer '${digits}' (leading zero)`, start);
    this.pos += m[0].length;
    if (this.allowLongSuffix && this.text[this.pos] === 'L') this.pos++;
    const next = this.text[this.pos];
    if (next !== undefined && /[A-Za-z0-9_.]/.test(next)) {
      this.error(`expected an integer, got ${JSON.stringify(this.text.slice(start, this.pos + 8))}`, this.pos);
    }
    const v = BigInt(digits);
    return m[1] === '-' ? -v : v;
  }
}

// --- Parser -------------------------------------------------------------------

const NAMES: Record<string, boolean | null> = { True: true, False: false, None: null };

class Parser {
  constructor(private readonly lex: Lexer) {}

  parseTop(): PyValue {
    const v = this.value();
    const t = this.lex.peek();
    if (t.kind !== 'end') this.lex.error(`unexpected ${this.lex.describe(t.pos)} after the dict`, t.pos);
    return v;
  }

  private unexpected(t: Token): never {
    if (t.kind === 'end') this.lex.error('unexpected end of header', t.pos);
    if (t.kind === 'name') this.lex.error(`unexpected name '${t.text}'`, t.pos);
    this.lex.error(`unexpected ${this.lex.describe(t.pos)}`, t.pos);
  }

  private isPunct(t: Token, text: string): boolean {
    return t.kind === 'punct' && t.text === text;
  }

  private value(): PyValue {
    const t = this.lex.next();
    switch (t.kind) {
      case 'str': case 'int': return t.value;
      case 'name':
        if (Object.hasOwn(NAMES, t.text)) return NAMES[t.text];
        return this.unexpected(t);
      case 'punct':
        if (t.text === '{') return this.dict();
        if (t.text === '[') return this.sequence(']').items;
        if (t.text === '(') {
          const { items, comma } = this.sequence(')');
          return items.length === 1 && !comma ? items[0] : new PyTuple(items); // (x) is x itself
        }
        return this.unexpected(t);
      default:
        return this.unexpected(t);
    }
  }

  /** Comma-separated values up to `close` (already past the opening bracket). */
  private sequence(close: string): { items: PyValue[]; comma: boolean } {
    const items: PyValue[] = [];
    let comma = false;
    for (;;) {
      if (this.isPunct(this.lex.peek(), close)) {
        this.lex.next();
        return { items, comma };
      }
      items.push(this.value());
      const t = this.lex.next();
      if (this.isPunct(t, ',')) comma = true;
      else if (this.isPunct(t, close)) return { items, comma };
      else this.lex.error(`expected ',' or '${close}', got ${this.lex.describe(t.pos)}`, t.pos);
    }
  }

  private dict(): Map<string, PyValue> {
    const out = new Map<string, PyValue>();
    for (;;) {
      if (this.isPunct(this.lex.peek(), '}')) {
        this.lex.next();
        return out;
      }
      const keyPos = this.lex.peek().pos;
      const key = this.value();
      if (typeof key !== 'string') this.lex.error(`dict keys must be strings, got ${pyRepr(key)}`, keyPos);
      if (out.has(key)) this.lex.error(`duplicate key ${pyRepr(key)}`, keyPos);
      const colon = this.lex.next();
      if (!this.isPunct(colon, ':')) this.lex.error(`expected ':' after key ${pyRepr(key)}, got ${this.lex.describe(colon.pos)}`, colon.pos);
      out.set(key, this.value());
      const t = this.lex.next();
      if (this.isPunct(t, '}')) return out;
      if (!this.isPunct(t, ',')) this.lex.error(`expected ',' or '}', got ${this.lex.describe(t.pos)}`, t.pos);
    }
  }
}
