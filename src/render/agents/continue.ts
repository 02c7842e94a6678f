import type { Document, YAMLMap, YAMLSeq } from 'yaml';
import { loadYaml, yaml } from './yaml-lib.js';
import type { AgentWriter, RenderedEntry } from './types.js';
import { MalformedFileError } from './errors.js';
import { nonEmpty, withReferences, writableSpec } from './spec-parts.js';

const FILE = '.continue/mcpServers/conn.yaml';

/**
 * Continue: one file of its own in `.continue/mcpServers/`, `mcpServers` a list of items named by
 * `name`; stdio `command`/`args`/`env`, remote `type` `streamable-http` or `sse` with `url` and
 * `requestOptions.headers`; `${{ secrets.VAR }}` references, which the CLI fills from the environment.
 * No per-tool filter. Other items, keys and comments kept. The file is also a whole config (name,
 * version, schema), which the CLI takes with `--config`. The IDE extension loads each `*.yaml` there
 * as a block, and a block holds exactly one server (config-yaml's blockSchema: `mcpServers` of
 * length 1), so it skips this file when it holds more than one: the trust note says so.
 * Source: https://docs.continue.dev/customize/deep-dives/mcp
 */
export const continueWriter: AgentWriter = {
  agent: 'continue',
  file: FILE,
  toolFilter: 'none',
  load: loadYaml,
  trustNote:
    'Continue CLI reads this file when started with `cn --config .continue/mcpServers/conn.yaml`; the Continue IDE extension loads a block file only when it holds a single server, so with more than one it skips this file (use the CLI, or one connection per repo for the IDE)',

  serverNames(text) {
    return items(parse(text)).map((i) => i.name);
  },

  merge(existing, set, remove) {
    if (set.some((e) => e.prompts?.length)) throw new Error('internal: continue cannot ask for a secret; render prompt inputs only for an agent that can');
    const doc = parse(existing ?? '');
    const before = existing === null ? null : doc.toString();
    if (!doc.contents || !yaml().isMap(doc.contents)) {
      doc.contents = doc.createNode({ name: 'conn', version: '0.0.1', schema: 'v1' }) as typeof doc.contents;
    }
    const setNames = new Set(set.map((e) => e.name));
    const seq = () => doc.get('mcpServers') as YAMLSeq | undefined;
    for (const name of remove) {
      if (setNames.has(name)) continue;
      const at = items(doc).find((i) => i.name === name);
      if (at) seq()!.delete(at.index);
    }
    for (const entry of [...set].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const node = doc.createNode(continueEntry(entry));
      const at = items(doc).find((i) => i.name === entry.name);
      if (at) seq()!.set(at.index, node);
      else if (seq()) seq()!.add(node);
      else doc.set('mcpServers', doc.createNode([continueEntry(entry)]));
    }
    const text = doc.toString();
    if (before !== null && text === before) return existing!;
    return text;
  },

  denyRules() {
    return [];
  },
};

export function continueEntry(entry: RenderedEntry): Record<string, unknown> {
  const spec = withReferences(writableSpec(entry), (v) => `\${{ secrets.${v} }}`);
  if (spec.kind === 'stdio') return { name: entry.name, command: spec.command, args: spec.args, ...nonEmpty('env', spec.env) };
  const headers = nonEmpty('headers', spec.headers);
  return { name: entry.name, type: spec.transport === 'sse' ? 'sse' : 'streamable-http', url: spec.url, ...(headers.headers ? { requestOptions: headers } : {}) };
}

function parse(text: string): Document {
  const doc = yaml().parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length) throw new MalformedFileError(FILE, doc.errors[0]!.message.split('\n')[0]!);
  if (doc.contents !== null && !yaml().isMap(doc.contents)) throw new MalformedFileError(FILE, 'the top level is not a mapping');
  const servers = doc.contents ? doc.get('mcpServers', true) : undefined;
  if (servers !== undefined && servers !== null && !yaml().isSeq(servers)) throw new MalformedFileError(FILE, 'mcpServers is not a list');
  return doc;
}

/** The named items of `mcpServers`, with their index in the list. */
function items(doc: Document): { name: string; index: number }[] {
  const seq = doc.contents ? doc.get('mcpServers') : undefined;
  if (!yaml().isSeq(seq)) return [];
  return seq.items.flatMap((item, index) => {
    const name = yaml().isMap(item) ? item.get('name') : undefined;
    return typeof name === 'string' ? [{ name, index }] : [];
  });
}
