import type { Document, YAMLMap, YAMLSeq } from 'yaml';
import { loadYaml, yaml } from './yaml-lib.js';
import type { AgentWriter, RenderedEntry } from './types.js';
import { MalformedFileError } from './errors.js';
import { nonEmpty, withReferences, writableSpec } from './spec-parts.js';

/** The folder Continue loads blocks from; conn writes one block per server into it. */
const DIR = '.continue/mcpServers';
/** The one file conn wrote before 0.3 (every server in one block): a render moves its entries out. */
export const CONTINUE_LEGACY_FILE = `${DIR}/conn.yaml`;
/** The header keys conn writes into a block: a block holding nothing else is deleted once empty. */
const HEADER = ['name', 'version', 'schema'];

/**
 * Continue: a block per server in `.continue/mcpServers/`, `conn-<name>.yaml`, its `mcpServers` a
 * list of one item named by `name`; stdio `command`/`args`/`env`, remote `type` `streamable-http` or
 * `sse` with `url` and `requestOptions.headers`; `${{ secrets.VAR }}` references, which Continue
 * fills from the environment. No per-tool filter. Other keys and comments kept.
 * One file per server because a block holds exactly one (config-yaml's blockSchema: `mcpServers` of
 * length 1): the IDE extension unrolls each `*.yaml` in the folder as a block and skips one holding
 * more. The CLI loads no folder of blocks; a config it is given lists them with `uses:`.
 * Sources: https://docs.continue.dev/customize/deep-dives/mcp,
 * https://docs.continue.dev/reference (blocks, `uses`).
 */
export const continueWriter: AgentWriter = {
  agent: 'continue',
  file: DIR,
  blockFile: (name) => `${DIR}/conn-${name.replace(/[^A-Za-z0-9._-]/g, '_')}.yaml`,
  legacyFile: CONTINUE_LEGACY_FILE,
  toolFilter: 'none',
  load: loadYaml,
  trustNote:
    'the Continue IDE extension loads each block in .continue/mcpServers/; the Continue CLI (cn) loads no folder of blocks: give it a config that lists them, e.g. `mcpServers: [{ uses: ./.continue/mcpServers/conn-NAME.yaml }]` (see the README)',

  isEmpty(text) {
    const doc = parse(text);
    if (!doc.contents) return true;
    if (items(doc).length || (yaml().isSeq(doc.get('mcpServers')) && (doc.get('mcpServers') as YAMLSeq).items.length)) return false;
    const keys = (doc.contents as YAMLMap).items.map((p) => String(yaml().isScalar(p.key) ? p.key.value : p.key));
    return keys.every((k) => HEADER.includes(k) || k === 'mcpServers') && !/#/.test(text);
  },

  serverNames(text) {
    return items(parse(text)).map((i) => i.name);
  },

  merge(existing, set, remove) {
    if (set.some((e) => e.prompts?.length)) throw new Error('internal: continue cannot ask for a secret; render prompt inputs only for an agent that can');
    const doc = parse(existing ?? '');
    const before = existing === null ? null : doc.toString();
    if (!doc.contents || !yaml().isMap(doc.contents)) {
      const only = set.length === 1 ? set[0]!.name : undefined;
      doc.contents = doc.createNode({ name: only ? `conn ${only}` : 'conn', version: '0.0.1', schema: 'v1' }) as typeof doc.contents;
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
  if (doc.errors.length) throw new MalformedFileError(DIR, doc.errors[0]!.message.split('\n')[0]!);
  if (doc.contents !== null && !yaml().isMap(doc.contents)) throw new MalformedFileError(DIR, 'the top level is not a mapping');
  const servers = doc.contents ? doc.get('mcpServers', true) : undefined;
  if (servers !== undefined && servers !== null && !yaml().isSeq(servers)) throw new MalformedFileError(DIR, 'mcpServers is not a list');
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
