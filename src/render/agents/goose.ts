import type { Document, YAMLMap, YAMLSeq } from 'yaml';
import { loadYaml, yaml } from './yaml-lib.js';
import type { AgentWriter, RenderedEntry } from './types.js';
import { MalformedFileError } from './errors.js';
import { nonEmpty, withoutReferences, writableSpec } from './spec-parts.js';

const FILE = '.config/goose/config.yaml';

/**
 * Goose (user level: it has no project MCP file): `~/.config/goose/config.yaml`, the `extensions`
 * map (every other setting and comment kept); stdio `cmd`/`args`/`envs`, remote `streamable_http` or
 * `sse` with `uri`/`headers`. Goose expands no reference in values (`env_keys` reads its own keyring
 * or the environment by name), so `--secrets env` is refused. No per-tool filter in the file.
 * Source: https://block.github.io/goose/docs/getting-started/using-extensions
 */
export const goose: AgentWriter = {
  agent: 'goose',
  file: FILE,
  toolFilter: 'none',
  load: loadYaml,
  expandsEnv: false,
  scope: 'user',

  serverNames(text) {
    const map = extensions(parse(text));
    return map ? map.items.map((p) => String((p.key as { value?: unknown })?.value ?? p.key)) : [];
  },

  merge(existing, set, remove) {
    if (set.some((e) => e.prompts?.length)) throw new Error('internal: goose cannot ask for a secret; render prompt inputs only for an agent that can');
    const doc = parse(existing ?? '');
    const before = existing === null ? null : doc.toString();
    const setNames = new Set(set.map((e) => e.name));
    for (const name of remove) if (!setNames.has(name) && extensions(doc)?.has(name)) doc.deleteIn(['extensions', name]);
    for (const entry of [...set].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (extensions(doc)) doc.setIn(['extensions', entry.name], doc.createNode(gooseEntry(entry)));
      else doc.set('extensions', doc.createNode({ [entry.name]: gooseEntry(entry) }));
    }
    const text = doc.toString();
    if (before !== null && text === before) return existing!;
    return text === '{}\n' ? '' : text;
  },

  denyRules() {
    return [];
  },
};

export function gooseEntry(entry: RenderedEntry): Record<string, unknown> {
  const spec = withoutReferences(writableSpec(entry), 'goose', entry.name);
  const common = { name: entry.name, enabled: entry.settings?.disabled !== true, timeout: 300 };
  if (spec.kind === 'stdio') return { ...common, type: 'stdio', cmd: spec.command, args: spec.args, envs: spec.env };
  return { ...common, type: spec.transport === 'sse' ? 'sse' : 'streamable_http', uri: spec.url, ...nonEmpty('headers', spec.headers) };
}

function parse(text: string): Document {
  const doc = yaml().parseDocument(text);
  if (doc.errors.length) throw new MalformedFileError(FILE, doc.errors[0]!.message.split('\n')[0]!);
  if (doc.contents !== null && !yaml().isMap(doc.contents)) throw new MalformedFileError(FILE, 'the top level is not a mapping');
  const ext = doc.contents ? doc.get('extensions', true) : undefined;
  if (ext !== undefined && ext !== null && !yaml().isMap(ext)) throw new MalformedFileError(FILE, 'extensions is not a mapping');
  return doc;
}

function extensions(doc: Document): YAMLMap | undefined {
  const ext = doc.contents ? doc.get('extensions') : undefined;
  return yaml().isMap(ext) ? ext : undefined;
}
