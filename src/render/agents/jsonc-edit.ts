// Surgical edits to JSON/JSONC text: only the member being set or removed changes; comments,
// formatting and every other member keep their bytes. jsonc-parser's own `modify` re-formats the
// whole line around an edit (and can reflow a neighbour's one-line object), so members that sit on
// their own lines are edited here by hand (its array-element removal is also off by one).
import {
  applyEdits,
  createScanner,
  findNodeAtLocation,
  getNodeValue,
  parseTree,
  printParseErrorCode,
  type Edit,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import { MalformedFileError } from './errors.js';

export type JsonPath = (string | number)[];

export interface JsonStyle {
  /** One level of indentation, as the file already uses it (two spaces for a new file). */
  indent: string;
  eol: string;
}

/** The file's root object node, or undefined for an empty (all whitespace) text. */
export function parseJsonObject(text: string, file: string): Node | undefined {
  if (text.trim() === '') return undefined;
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const { line, column } = position(text, first.offset);
    throw new MalformedFileError(file, `${printParseErrorCode(first.error)} at line ${line} column ${column}`);
  }
  if (!root || root.type !== 'object') throw new MalformedFileError(file, 'the top level is not a JSON object');
  return root;
}

/** The node at `path` when it is present, checked to be an object (or array) when it is. */
export function objectAt(root: Node | undefined, path: JsonPath, file: string, type: 'object' | 'array' = 'object'): Node | undefined {
  if (!root) return undefined;
  const node = findNodeAtLocation(root, path);
  if (node && node.type !== type) {
    throw new MalformedFileError(file, `"${path.join('.')}" is not ${type === 'object' ? 'an object' : 'an array'}`);
  }
  return node;
}

export function styleOf(text: string): JsonStyle {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const m = /^([ \t]+)["'/\]}\w[{]/m.exec(text);
  return { indent: m?.[1] ?? '  ', eol };
}

/** JSON text for `value`, indented as if it started on a line indented by `base`. */
export function pretty(value: unknown, base: string, style: JsonStyle): string {
  return JSON.stringify(value, null, style.indent).split('\n').join(style.eol + base);
}

/** Equal as JSON values, ignoring key order (so a re-ordered but identical entry is not rewritten). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Sets `path` to `value` (creating missing parent objects); the text itself when already equal. */
export function setJson(text: string, path: JsonPath, value: unknown, file: string): string {
  const style = styleOf(text);
  const source = text.trim() === '' ? '{}' : text;
  const root = parseJsonObject(source, file)!;
  const node = findNodeAtLocation(root, path);
  if (node) {
    if (sameJson(getNodeValue(node), value)) return text;
    const anchor = node.parent?.type === 'property' ? node.parent : node;
    const base = indentOfLine(source, anchor.offset) ?? '';
    return applyEdits(source, [{ offset: node.offset, length: node.length, content: pretty(value, base, style) }]);
  }
  // Deepest existing ancestor: the new member goes into it, carrying the rest of the path.
  let depth = path.length - 1;
  let container: Node | undefined;
  while (depth >= 0) {
    container = depth === 0 ? root : findNodeAtLocation(root, path.slice(0, depth));
    if (container) break;
    depth--;
  }
  if (!container || container.type !== 'object') {
    throw new MalformedFileError(file, `"${path.slice(0, depth).join('.')}" is not an object`);
  }
  let nested: unknown = value;
  for (let i = path.length - 1; i > depth; i--) nested = { [String(path[i])]: nested };
  const key = String(path[depth]);
  return insertMember(source, container, (indent) => `${JSON.stringify(key)}: ${indent === null ? JSON.stringify(nested) : pretty(nested, indent, style)}`, style);
}

/** Removes the member at `path` (an object property or array element) with its line; text as is when absent. */
export function removeJson(text: string, path: JsonPath, file: string): string {
  if (text.trim() === '') return text;
  const root = parseJsonObject(text, file)!;
  const node = findNodeAtLocation(root, path);
  if (!node) return text;
  const member = node.parent?.type === 'property' ? node.parent : node;
  const container = member.parent!;
  const siblings = container.children ?? [];
  const index = siblings.indexOf(member);
  const after = trailing(text, member.offset + member.length);
  const before = text.slice(lineStart(text, member.offset), member.offset);
  if (after.lineEnd === undefined || before.trim() !== '') {
    // Shares its line with other members (`["a", "b"]`): cut it with the separator before it, or after it.
    const prev = siblings[index - 1];
    const next = siblings[index + 1];
    const end = member.offset + member.length;
    if (prev) return applyEdits(text, [{ offset: prev.offset + prev.length, length: end - prev.offset - prev.length, content: '' }]);
    if (next) return applyEdits(text, [{ offset: member.offset, length: next.offset - member.offset, content: '' }]);
    const empty = container.type === 'array' ? '[]' : '{}';
    return applyEdits(text, [{ offset: container.offset, length: container.length, content: empty }]);
  }
  const start = lineStart(text, member.offset);
  if (siblings.length === 1) {
    // The only member: when nothing else (a comment) is inside, the container becomes `{}` / `[]`.
    const inside = text.slice(container.offset + 1, start) + text.slice(after.nextLine, container.offset + container.length - 1);
    if (inside.trim() === '') {
      const empty = container.type === 'array' ? '[]' : '{}';
      return applyEdits(text, [{ offset: container.offset, length: container.length, content: empty }]);
    }
  }
  const edits: Edit[] = [];
  edits.push({ offset: start, length: after.nextLine - start, content: '' });
  // The last member had no comma: the one before it must lose the comma that separated them.
  const prev = siblings[index - 1];
  if (after.comma === undefined && prev) {
    const p = trailing(text, prev.offset + prev.length);
    if (p.comma !== undefined) edits.push({ offset: p.comma, length: 1, content: '' });
  }
  return applyEdits(text, edits);
}

/** Appends an element to the array at `path` (which must exist). */
export function appendJson(text: string, path: JsonPath, value: unknown, file: string): string {
  const style = styleOf(text);
  const root = parseJsonObject(text, file)!;
  const array = objectAt(root, path, file, 'array');
  if (!array) throw new MalformedFileError(file, `"${path.join('.')}" is missing`);
  return insertMember(text, array, (indent) => (indent === null ? JSON.stringify(value) : pretty(value, indent, style)), style);
}

/** Ends the text with exactly the file's line ending, when it does not already. */
export function withFinalNewline(text: string): string {
  const eol = styleOf(text).eol;
  return text.endsWith('\n') ? text : text + eol;
}

/** `member(indent)` is the member's text for a line indented by `indent`, or on one line when null. */
function insertMember(text: string, container: Node, member: (indent: string | null) => string, style: JsonStyle): string {
  const kids = container.children ?? [];
  const containerIndent = indentOfLine(text, container.parent?.type === 'property' ? container.parent.offset : container.offset) ?? '';
  const last = kids[kids.length - 1];
  if (!last) {
    // An empty object or array: nothing inside it to keep, so it is written out whole.
    const indent = containerIndent + style.indent;
    const [open, close] = container.type === 'array' ? ['[', ']'] : ['{', '}'];
    const content = `${open}${style.eol}${indent}${member(indent)}${style.eol}${containerIndent}${close}`;
    return applyEdits(text, [{ offset: container.offset, length: container.length, content }]);
  }
  const after = trailing(text, last.offset + last.length);
  if (after.lineEnd === undefined) {
    // A one-line container (`["a", "b"]`): the new member joins that line in the same compact style.
    return applyEdits(text, [{ offset: last.offset + last.length, length: 0, content: `, ${member(null)}` }]);
  }
  const indent = indentOfLine(text, last.offset) ?? containerIndent + style.indent;
  const edits: Edit[] = [];
  if (after.comma === undefined) {
    edits.push({ offset: last.offset + last.length, length: 0, content: ',' });
    edits.push({ offset: after.lineEnd!, length: 0, content: `${style.eol}${indent}${member(indent)}` });
  } else {
    // The file uses trailing commas (JSONC): so does the new member.
    edits.push({ offset: after.lineEnd!, length: 0, content: `${style.eol}${indent}${member(indent)},` });
  }
  return applyEdits(text, edits);
}

// jsonc-parser's SyntaxKind is an ambient const enum, which `verbatimModuleSyntax` cannot read.
const Kind = { Comma: 5, LineComment: 12, BlockComment: 13, LineBreak: 14, Trivia: 15, EOF: 17 } as const;

interface Trailing {
  /** Offset of the comma that follows the member on its line, if any. */
  comma?: number;
  /** Offset of the line break ending the member's line, when nothing but a comma or comment follows it. */
  lineEnd?: number;
  /** Offset just past that line break. */
  nextLine: number;
}

function trailing(text: string, end: number): Trailing {
  const scanner = createScanner(text, false);
  scanner.setPosition(end);
  let comma: number | undefined;
  for (;;) {
    const kind: number = scanner.scan();
    const offset = scanner.getTokenOffset();
    if (kind === Kind.Trivia || kind === Kind.LineComment) continue;
    if (kind === Kind.BlockComment && !scanner.getTokenValue().includes('\n')) continue;
    if (kind === Kind.Comma && comma === undefined) {
      comma = offset;
      continue;
    }
    if (kind === Kind.LineBreak) return { comma, lineEnd: offset, nextLine: offset + scanner.getTokenLength() };
    if (kind === Kind.EOF) return { comma, lineEnd: offset, nextLine: offset };
    return { comma, nextLine: offset };
  }
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The whitespace before `offset` on its line, or undefined when something else precedes it there. */
function indentOfLine(text: string, offset: number): string | undefined {
  const before = text.slice(lineStart(text, offset), offset);
  return before.trim() === '' ? before : undefined;
}


function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - lineStart(text, offset) + 1 };
}
