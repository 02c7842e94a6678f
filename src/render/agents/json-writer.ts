import { findNodeAtLocation, type Node } from 'jsonc-parser';
import type { Agent } from '../../catalog/model.js';
import type { AgentWriter, PromptInput, RenderedEntry, ToolFilter } from './types.js';
import { appendJson, objectAt, parseJsonObject, removeJson, setJson, withFinalNewline } from './jsonc-edit.js';

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
  /**
   * A top-level array of prompt inputs the agent asks the user for (VS Code `inputs`), items keyed by
   * their `id`, and the item for one of conn's prompts (`--secrets prompt`).
   */
  promptInputs?: { key: string; item(input: PromptInput): Record<string, unknown> };
  /** See AgentWriter.expandsEnv and trustNote. */
  expandsEnv?: boolean;
  trustNote?: string;
  scope?: 'user';
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
    serversKey: key,

    serverNames(text) {
      const servers = validate(text);
      return (servers?.children ?? []).map((p) => String(p.children?.[0]?.value));
    },

    merge(existing, set, remove, staleDenyRules = [], staleInputs = []) {
      validate(existing ?? '');
      let text = existing ?? '';
      const prompts = format.promptInputs;
      if (prompts) {
        // First, so that a new file lists its inputs before its servers, as VS Code's own examples do.
        const wanted = new Map(set.flatMap((e) => e.prompts ?? []).map((p) => [p.id, prompts.item(p)]));
        text = mergeInputs(text, prompts.key, wanted, new Set(staleInputs), file);
      } else if (set.some((e) => e.prompts?.length)) {
        throw new Error(`internal: ${format.agent} cannot ask for a secret; render prompt inputs only for an agent that can`);
      }
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

    ...(format.expandsEnv === false ? { expandsEnv: false } : {}),
    ...(format.trustNote ? { trustNote: format.trustNote } : {}),
    ...(format.scope ? { scope: format.scope } : {}),
    ...(format.promptInputs ? { inputIds: (text: string) => inputIds(text, format.promptInputs!.key, file) } : {}),
  };
}

/** The ids of the items in the top-level inputs array (none when it is missing or not an array). */
function inputIds(text: string, key: string, file: string): string[] {
  const root = parseJsonObject(text, file);
  const inputs = root && findNodeAtLocation(root, [key]);
  return inputs?.type === 'array' ? (inputs.children ?? []).map(inputId).filter((id): id is string => id !== undefined) : [];
}

/** The `id` of an inputs item (an object with a string `id`), else undefined. */
function inputId(item: Node): string | undefined {
  if (item.type !== 'object') return undefined;
  const id = findNodeAtLocation(item, ['id']);
  return id?.type === 'string' ? String(id.value) : undefined;
}

/**
 * The top-level inputs array with conn's items as `wanted` says (set in place, or appended), conn's
 * earlier items (`stale`) no longer wanted removed, and every other item, comment and byte kept.
 * An array conn emptied of its own items (nothing else in it) goes away with them.
 */
function mergeInputs(text: string, key: string, wanted: Map<string, Record<string, unknown>>, stale: Set<string>, file: string): string {
  if (wanted.size === 0 && stale.size === 0) return text;
  const items = () => objectAt(parseJsonObject(text, file), [key], file, 'array');
  let removed = false;
  for (;;) {
    // The next item to remove: one of conn's earlier ids no longer wanted, or a second item with a wanted id.
    const seen = new Set<string>();
    const index = (items()?.children ?? []).findIndex((item) => {
      const id = inputId(item);
      if (id === undefined) return false;
      if (!wanted.has(id)) return stale.has(id);
      if (seen.has(id)) return true;
      seen.add(id);
      return false;
    });
    if (index < 0) break;
    text = removeJson(text, [key, index], file);
    removed = true;
  }
  const left = items();
  if (removed && wanted.size === 0 && left && text.slice(left.offset, left.offset + left.length) === '[]') return removeJson(text, [key], file);

  const ids = [...wanted.keys()].sort();
  if (ids.length && !left) return setJson(text, [key], ids.map((id) => wanted.get(id)), file);
  for (const id of ids) {
    const index = (items()!.children ?? []).findIndex((item) => inputId(item) === id);
    text = index >= 0 ? setJson(text, [key, index], wanted.get(id), file) : appendJson(text, [key], wanted.get(id), file);
  }
  return text;
}

function byName(a: RenderedEntry, b: RenderedEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
