// A remote connection's credentials belong to the origin they were issued for. When its URL moves to
// another origin (`conn edit --set url=`, a team catalog update), OAuth tokens and the client
// registration are dropped, and a static token goes there only once the user has said so.
import type { Connection } from './model.js';
import { sentInHeader } from './fields.js';
import type { Preset } from '../presets/schema.js';

/** The connection's remote URL for these fields (preset defaults filled in), or undefined. */
export function remoteUrl(preset: Preset, fields: Record<string, string>): string | undefined {
  const template = preset.remote?.url;
  if (!template) return undefined;
  const values: Record<string, string> = {};
  for (const f of preset.fields) if (f.default !== undefined) values[f.key] = f.default;
  Object.assign(values, fields);
  let missing = false;
  const url = template.replace(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g, (_m, key: string) => {
    if (!values[key]) missing = true;
    return values[key] ?? '';
  });
  return missing ? undefined : url;
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export interface OriginChange {
  fromUrl: string;
  toUrl: string;
  from: string;
  to: string;
  /** OAuth tokens and client registration to drop (the connection is signed in). */
  dropsOAuth: boolean;
  /** Secret fields whose values would now be sent to `to` in a header. */
  headerSecrets: string[];
}

/** What moving `conn` to `nextFields` does to its credentials; undefined when the origin stays. */
export function originChange(conn: Connection, preset: Preset, nextFields: Record<string, string>): OriginChange | undefined {
  if (preset.kind !== 'remote' && preset.kind !== 'http-api') return undefined;
  const fromUrl = remoteUrl(preset, conn.fields);
  const toUrl = remoteUrl(preset, nextFields);
  const from = originOf(fromUrl);
  const to = originOf(toUrl);
  if (!from || !to || from === to) return undefined;
  return {
    fromUrl: fromUrl!,
    toUrl: toUrl!,
    from,
    to,
    dropsOAuth: Boolean(conn.oauth),
    headerSecrets: conn.secrets.filter((f) => sentInHeader(preset, f)),
  };
}
