import type { Agent } from '../../catalog/model.js';
import type { AgentWriter, RenderedEntry, ToolFilter } from './types.js';
import { objectAt, parseJsonObject, removeJson, setJson, withFinalNewline } from './jsonc-edit.js';

/** What differs between the JSON-file agents; everything else (parse, merge, no churn) is shared. */
export interface JsonAgentFormat {
  agent: Agent;
  file: string;
  /** The top-level key holding the server entries. */
  key: string;
  toolFilter: ToolFilter;
  entry(entry: RenderedEntry): Record<string, unknown>;
  /** A top-level map of deny rules in the same file (opencode `tools`), and the value that denies. */
  topLevelDeny?: { key: string; rules(entry: RenderedEntry): string[]; value: unknown };
  /** Deny rules kept in another file (Claude Code). */
  sideFileRules?(entry: RenderedEntry): string[];
}

export function jsonWriter(format: JsonAgentFormat): AgentWriter {
  const { file, key } = format;

  function validate(text: string) {
    const root = parseJsonObject(text, file);
    const servers = objectAt(root, [key], file);
    if (format.topLevelDeny) objectAt(root, [format.topLevelDeny.key], file);
    return servers;
  }

  return {
    agent: format.agent,
    file,
    toolFilter: format.toolFilter,

    serverNames(text) {
      const servers = validate(text);
      return (servers?.children ?? []).map((p) => String(p.children?.[0]?.value));
    },

    merge(existing, set, remove, staleDenyRules = []) {
      validate(existing ?? '');
      let text = existing ?? '';
      const setNames = new Set(set.map((e) => e.name));
      for (const name of remove) if (!setNames.has(name)) text = removeJson(text, [key, name], file);
      const sorted = [...set].sort(byName);
      if (sorted.length && !objectAt(parseJsonObject(text, file), [key], file)) {
        // No server map yet (a new file): one edit writes it whole, instead of one re-parse per entry.
        text = setJson(text, [key], Object.fromEntries(sorted.map((e) => [e.name, format.entry(e)])), file);
      } else {
        for (const entry of sorted) text = setJson(text, [key, entry.name], format.entry(entry), file);
      }

      const deny = format.topLevelDeny;
      if (deny) {
        const wanted = new Set(set.flatMap((e) => deny.rules(e)));
        for (const rule of staleDenyRules) if (!wanted.has(rule)) text = removeJson(text, [deny.key, rule], file);
        for (const rule of [...wanted].sort()) text = setJson(text, [deny.key, rule], deny.value, file);
      }
      if (existing !== null && text === existing) return existing;
      if (text.trim() === '') text = '{}';
      return withFinalNewline(text);
    },

    denyRules(entry) {
      return format.topLevelDeny?.rules(entry) ?? format.sideFileRules?.(entry) ?? [];
    },
  };
}

function byName(a: RenderedEntry, b: RenderedEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
