// Finds the table sections of a TOML text by line, so that a writer can cut out and replace whole
// `[a.b]` sections and keep every other byte (smol-toml drops comments when it re-stringifies).
// The text has already been parsed by smol-toml, so this only needs to tell headers from the lines
// that merely look like one (inside a multi-line string or a multi-line array).

export interface TomlSection {
  /** Index of the `[header]` line. */
  start: number;
  /** One past the section's last line, without the blank and comment-only lines that end it. */
  end: number;
  /** The header's key path (`[mcp_servers."my server".env]` → ['mcp_servers', 'my server', 'env']). */
  path: string[];
}

/** The sections of `lines` (one string per line, as split on '\n'), in order. Root keys are no section. */
export function tomlSections(lines: string[]): TomlSection[] {
  const headers: { line: number; path: string[] }[] = [];
  const state: LexState = { multiline: null, depth: 0 };
  lines.forEach((line, i) => {
    if (state.multiline === null && state.depth === 0 && line.trimStart().startsWith('[')) {
      const path = parseHeader(line);
      if (path) {
        headers.push({ line: i, path });
        return;
      }
    }
    scanLine(line, state);
  });
  return headers.map((h, k) => {
    let end = headers[k + 1]?.line ?? lines.length;
    while (end > h.line + 1 && isBlankOrComment(lines[end - 1]!)) end--;
    return { start: h.line, end, path: h.path };
  });
}

export function isBlankOrComment(line: string): boolean {
  return /^\s*(#.*)?$/.test(line);
}

interface LexState {
  multiline: '"""' | "'''" | null;
  /** Open `[` / `{` of values spanning lines. */
  depth: number;
}

function scanLine(line: string, state: LexState): void {
  let i = 0;
  while (i < line.length) {
    if (state.multiline) {
      const close = findClose(line, i, state.multiline);
      if (close < 0) return;
      state.multiline = null;
      i = close + 3;
      continue;
    }
    const c = line[i]!;
    if (c === '#') return;
    if (c === '"' || c === "'") {
      const triple = line.startsWith(c.repeat(3), i);
      if (triple) {
        state.multiline = c === '"' ? '"""' : "'''";
        i += 3;
        continue;
      }
      i = skipString(line, i);
      continue;
    }
    if (c === '[' || c === '{') state.depth++;
    if (c === ']' || c === '}') state.depth = Math.max(0, state.depth - 1);
    i++;
  }
}

function findClose(line: string, from: number, delim: '"""' | "'''"): number {
  for (let i = from; i < line.length; i++) {
    if (delim === '"""' && line[i] === '\\') {
      i++;
      continue;
    }
    if (line.startsWith(delim, i)) {
      // Up to two quotes right before the closing delimiter belong to the string.
      let j = i;
      while (line.startsWith(delim, j + 1) && j - i < 2) j++;
      return j;
    }
  }
  return -1;
}

/** Index just past the single-line string starting at `i`. */
function skipString(line: string, i: number): number {
  const quote = line[i];
  for (let j = i + 1; j < line.length; j++) {
    if (quote === '"' && line[j] === '\\') {
      j++;
      continue;
    }
    if (line[j] === quote) return j + 1;
  }
  return line.length;
}

/** The key path of a `[table]` or `[[array]]` header line, or null when the line is not one. */
export function parseHeader(line: string): string[] | null {
  let s = line.trim();
  const array = s.startsWith('[[');
  s = s.slice(array ? 2 : 1);
  const path: string[] = [];
  let i = 0;
  const ws = () => {
    while (s[i] === ' ' || s[i] === '\t') i++;
  };
  for (;;) {
    ws();
    const key = readKey(s, i);
    if (!key) return null;
    path.push(key.value);
    i = key.end;
    ws();
    if (s[i] === '.') {
      i++;
      continue;
    }
    break;
  }
  const close = array ? ']]' : ']';
  if (!s.startsWith(close, i)) return null;
  const rest = s.slice(i + close.length).trim();
  return rest === '' || rest.startsWith('#') ? path : null;
}

function readKey(s: string, i: number): { value: string; end: number } | null {
  const bare = /^[A-Za-z0-9_-]+/.exec(s.slice(i));
  if (bare) return { value: bare[0], end: i + bare[0].length };
  if (s[i] === "'") {
    const end = s.indexOf("'", i + 1);
    return end < 0 ? null : { value: s.slice(i + 1, end), end: end + 1 };
  }
  if (s[i] === '"') {
    const end = skipString(s, i);
    const raw = s.slice(i, end);
    try {
      return { value: JSON.parse(raw.replace(/\\U([0-9A-Fa-f]{8})/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))) as string, end };
    } catch {
      return { value: raw.slice(1, -1), end };
    }
  }
  return null;
}
