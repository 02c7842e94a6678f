// Direct look into the private test keyring, to prove what conn stored (and what it did not).
import { findCredentials } from '@napi-rs/keyring';

export function keychainItems(service: string): Record<string, string> {
  return Object.fromEntries(findCredentials(service).map((c) => [c.account, c.password]));
}
