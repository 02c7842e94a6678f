// `--secrets prompt`: the agent asks the user for each secret itself (VS Code `inputs` with
// `password: true`), so conn reads no secret and writes none: each secret placeholder of an entry
// becomes a prompt input with a stable id derived from the connection and the field.
import type { Connection } from '../catalog/model.js';
import { OperationError } from '../errors.js';
import { replacePlaceholders, type RemoteSpec, type StdioSpec } from '../launch/types.js';
import type { Preset } from '../presets/schema.js';
import type { PromptInput, RenderedEntry } from './agents/types.js';

/** `--secrets prompt` with an agent that cannot ask: the one-line refusal (exit 2). */
export const PROMPT_ONLY_VSCODE = '--secrets prompt is only for vscode (VS Code asks for the value itself)';

/**
 * `conn_<connection>_<FIELD>`, `-` (and anything else outside letters, digits and `_`) turned into
 * `_`: the same for every render of that connection and field (VS Code remembers the value it was
 * given by id), and valid where ids are restricted to `[A-Za-z0-9_]` (Visual Studio reads this file too).
 */
export function promptInputId(connection: string, field: string): string {
  return `conn_${connection}_${field}`.replace(/[^A-Za-z0-9_]/g, '_');
}

/** What the agent shows when it asks: the connection, the field's label, and the field. */
export function promptDescription(connection: string, field: string, preset: Preset): string {
  const label = preset.fields.find((f) => f.key === field)?.label;
  return label && label !== field ? `${connection}: ${label} (${field})` : `${connection}: ${field}`;
}

/**
 * The prompt inputs of a reference-mode spec: one per secret field of the connection that the spec
 * really references. An OAuth access token (a pseudo-field, refreshed by conn and short-lived) is not
 * something to type in: it stays an env reference, as in `--secrets env`.
 */
export function promptInputsFor(conn: Connection, preset: Preset, spec: StdioSpec | RemoteSpec): PromptInput[] {
  const used = new Set<string>();
  const scan = (text: string) => void replacePlaceholders(text, (envVar) => (used.add(envVar), ''));
  if (spec.kind === 'stdio') [spec.command, ...spec.args, ...Object.values(spec.env)].forEach(scan);
  else [spec.url, ...Object.values(spec.headers)].forEach(scan);
  return spec.secrets
    .filter((use) => used.has(use.envVar) && conn.secrets.includes(use.field))
    .map((use) => ({ id: conn.settings?.inputs?.[use.field] ?? promptInputId(conn.name, use.field), envVar: use.envVar, description: promptDescription(conn.name, use.field, preset) }));
}

/** Two connections' fields that would share an input id (`a-b`/`C` and `a`/`b_C`): refused, never merged. */
export function checkPromptIds(entries: RenderedEntry[]): void {
  const owner = new Map<string, string>();
  for (const entry of entries) {
    for (const p of entry.prompts ?? []) {
      const who = `${entry.name}/${p.envVar}`;
      const other = owner.get(p.id);
      if (other !== undefined && other !== who) {
        throw new OperationError(
          `connections ${other.split('/')[0]} and ${entry.name} would share the VS Code input id ${p.id}`,
          'rename one of the connections, or render with --secrets env or proxy',
        );
      }
      owner.set(p.id, who);
    }
  }
}
