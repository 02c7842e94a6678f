import type { Connection } from '../catalog/model.js';
import { OperationError } from '../errors.js';
import type { PresetRegistry } from './registry.js';
import type { Preset } from './schema.js';

/**
 * The preset a connection runs with. Usually its own; a `remote` connection whose URL matched a
 * vendor endpoint takes that preset's name, auth kind, OAuth client and permission switches.
 * Every caller that builds a launch spec gets the preset from here.
 */
export function presetFor(conn: Connection, registry: PresetRegistry): Preset {
  const own = registry.get(conn.preset);
  if (!own) throw new OperationError(`connection ${conn.name} uses preset ${conn.preset}, which no longer exists`, 'restore the user preset, or conn remove it');
  const matched = conn.matchedPreset ? registry.get(conn.matchedPreset) : undefined;
  const endpoint = matched?.endpoint ?? (matched?.kind === 'remote' ? { ...matched.remote!, permissions: matched.permissions } : undefined);
  if (!matched || !endpoint || own.kind !== 'remote') return own;
  return {
    ...own,
    name: matched.name,
    description: matched.description,
    remote: {
      ...own.remote!,
      auth: endpoint.auth,
      ...(endpoint.oauth ? { oauth: endpoint.oauth } : {}),
    },
    // The endpoint's auth header (X-Goog-Api-Key...) is the default unless the user set one.
    fields: own.fields.map((f) => (f.key === 'header' && 'header' in endpoint && endpoint.header ? { ...f, default: endpoint.header } : f)),
    permissions: endpoint.permissions,
    tools: matched.tools,
  };
}
