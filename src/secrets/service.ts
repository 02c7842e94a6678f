// Which keychain service holds a conn home's secrets: read without opening the keychain, so the render
// path can start its bulk read before the rest of conn has loaded (prefetch.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connHome } from '../paths.js';

/** The keychain service of the default conn home, and the one every home shared before home ids. */
export const SHARED_SERVICE = 'conn';

/** The file holding a conn home's id (which keeps its keychain items apart from another home's). */
export const HOME_ID_FILE = 'home-id';

/**
 * The service of `home`'s secrets: CONN_KEYCHAIN_SERVICE, `conn` for the default home, else
 * `conn@<home id>`; undefined when that home has no id yet (opening its store makes one).
 */
export function keychainService(home: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.CONN_KEYCHAIN_SERVICE) return env.CONN_KEYCHAIN_SERVICE;
  if (home === connHome({ ...env, CONN_HOME: undefined })) return SHARED_SERVICE;
  const id = readHomeId(home);
  return id ? `${SHARED_SERVICE}@${id}` : undefined;
}

export function readHomeId(home: string): string | undefined {
  try {
    const id = readFileSync(join(home, HOME_ID_FILE), 'utf8').trim();
    return /^[0-9a-f]{8,64}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
