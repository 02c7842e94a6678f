// Which connections a render writes with their own values, and which run through `conn serve`.
import type { Connection } from '../catalog/model.js';
import type { SecretsMode } from './state.js';

/** http-api connections always, and every connection in proxy mode, run through `conn serve`. */
export function viaProxy(conn: Connection, mode: SecretsMode): boolean {
  return mode === 'proxy' || conn.kind === 'http-api';
}
