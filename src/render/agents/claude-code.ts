import type { RenderedEntry } from './types.js';
import { jsonWriter } from './json-writer.js';
import { appendJson, objectAt, parseJsonObject, removeJson, setJson, withFinalNewline } from './jsonc-edit.js';
import { nonEmpty, remoteType, toolIdPart, withReferences, writableSpec } from './spec-parts.js';
import { entrySettings } from './settings.js';
import { findNodeAtLocation, getNodeValue } from 'jsonc-parser';

/** Where Claude Code reads a project's local (uncommitted) permission rules (named once, in side-file.ts). */
import { CLAUDE_SETTINGS_FILE_PATH } from '../side-file.js';
export const CLAUDE_SETTINGS_FILE = CLAUDE_SETTINGS_FILE_PATH;

/** `.mcp.json`: `mcpServers`, always with `type` (an entry without one is taken as stdio); `${VAR}` references. */
export const claudeCode = jsonWriter({
  agent: 'claude-code',
  file: '.mcp.json',
  key: 'mcpServers',
  toolFilter: 'side-file',
  entry(entry) {
    const defaults = entry.defaults ?? {};
    const spec = withReferences(writableSpec(entry), (v) => (v in defaults ? `\${${v}:-${defaults[v]}}` : `\${${v}}`));
    if (spec.kind === 'stdio') {
      return { type: 'stdio', command: spec.command, args: spec.args, ...nonEmpty('env', spec.env), ...entrySettings('claude-code', entry, 'stdio') };
    }
    return { type: remoteType(spec), url: spec.url, ...nonEmpty('headers', spec.headers), ...entrySettings('claude-code', entry, 'remote') };
  },
  sideFileRules: claudeDenyRules,
});

/** `mcp__<server>__<tool>`: the permission rule that denies one tool of one server. */
export function claudeDenyRules(entry: RenderedEntry): string[] {
  return entry.deniedTools.map((tool) => `mcp__${toolIdPart(entry.name)}__${toolIdPart(tool)}`);
}

/** The rules in `permissions.deny` of a Claude Code settings file (to tell the user's own from conn's). */
export function readClaudeDeny(text: string): string[] {
  const root = parseJsonObject(text, CLAUDE_SETTINGS_FILE);
  objectAt(root, ['permissions'], CLAUDE_SETTINGS_FILE);
  const deny = objectAt(root, ['permissions', 'deny'], CLAUDE_SETTINGS_FILE, 'array');
  return deny ? (getNodeValue(deny) as unknown[]).filter((r): r is string => typeof r === 'string') : [];
}

/**
 * `.claude/settings.local.json` with the `add` rules present in `permissions.deny` and the `remove`
 * rules (conn's own, from an earlier render) gone. Every other rule and setting is kept; a rule in
 * both lists stays. Returns `existing` itself when nothing changes.
 */
export function mergeClaudeDeny(existing: string | null, managed: { add: string[]; remove: string[] }): string {
  const file = CLAUDE_SETTINGS_FILE;
  const present = readClaudeDeny(existing ?? '');
  let text = existing ?? '';
  const add = new Set(managed.add);
  for (const rule of new Set(managed.remove)) {
    if (add.has(rule)) continue;
    for (;;) {
      const root = parseJsonObject(text, file);
      const deny = root && findNodeAtLocation(root, ['permissions', 'deny']);
      const index = deny ? (getNodeValue(deny) as unknown[]).indexOf(rule) : -1;
      if (index < 0) break;
      text = removeJson(text, ['permissions', 'deny', index], file);
    }
  }
  const missing = [...add].filter((r) => !present.includes(r));
  if (missing.length > 0) {
    const root = parseJsonObject(text, file);
    if (root && findNodeAtLocation(root, ['permissions', 'deny'])) {
      for (const rule of missing) text = appendJson(text, ['permissions', 'deny'], rule, file);
    } else {
      text = setJson(text, ['permissions', 'deny'], missing, file);
    }
  }
  if (existing !== null && text === existing) return existing;
  if (text.trim() === '') text = '{}';
  return withFinalNewline(text);
}
