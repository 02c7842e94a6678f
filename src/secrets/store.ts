/**
 * Where secret values live. One item per connection field, account `<connection>/<FIELD>`.
 * Only launch/ (and oauth/) read values; commands write them on add/edit and delete them on remove.
 */
export interface SecretStore {
  kind: 'keychain' | 'file';
  /** Human description for messages: `keychain (service conn)`, `file /path/secrets.json`. */
  describe: string;
  get(account: string): Promise<string | null>;
  /** Several values in one round trip where the backend allows it. */
  getMany(accounts: string[]): Promise<Map<string, string | null>>;
  set(account: string, value: string): Promise<void>;
  delete(account: string): Promise<boolean>;
  /** Accounts stored under this service (values never returned). */
  list(): Promise<string[]>;
  /**
   * Fails (fast, with the reason) when the store cannot be used: a hung, locked or absent keychain.
   * Called before taking the catalog lock, so a broken keychain never holds other conn processes up.
   */
  ready(): Promise<void>;
}

/** getMany of more accounts than this reads the whole service in one bulk call (where the store can). */
export const BULK_READ_FROM = 2;

export function secretAccount(connection: string, field: string): string {
  return `${connection}/${field}`;
}

/** The secret fields of a connection kept in the secret store (not given as a reference like env: or op://). */
export function storedSecretFields(conn: { secrets: string[]; secretRefs?: Record<string, string> }): string[] {
  return conn.secrets.filter((f) => !conn.secretRefs?.[f]);
}

/** Copies items (`[from, to]` accounts) inside the store, values never leaving secrets/; absent ones are skipped. */
export async function copyItems(store: SecretStore, pairs: [string, string][]): Promise<void> {
  if (!pairs.length) return;
  const values = await store.getMany(pairs.map(([from]) => from));
  for (const [from, to] of pairs) {
    const value = values.get(from);
    if (value !== null && value !== undefined) await store.set(to, value);
  }
}
