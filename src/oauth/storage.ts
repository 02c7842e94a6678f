// Where a connection's OAuth state lives in the secret store (never in the config file):
//   <name>/oauth:tokens  the access and refresh token and the access token's expiry
//   <name>/oauth:client  the client registration and the authorization server it belongs to
import type { OAuthClientInformationFull } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { OperationError } from '../errors.js';
import type { SecretStore } from '../secrets/store.js';

export { CLIENT_FIELD, clientAccount, TOKENS_FIELD, tokensAccount } from './accounts.js';
import { clientAccount, tokensAccount } from './accounts.js';

export const StoredTokensSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().default('Bearer'),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  /** Epoch milliseconds; absent when the server did not say (treated as not expiring). */
  expires_at: z.number().optional(),
  /** Epoch milliseconds when conn received the token (absent in items written before): bounds the refresh margin. */
  issued_at: z.number().optional(),
});
export type StoredTokens = z.infer<typeof StoredTokensSchema>;

export const StoredClientSchema = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().optional(),
  client_secret_expires_at: z.number().optional(),
  token_endpoint_auth_method: z.string().optional(),
  redirect_uris: z.array(z.string()),
  grant_types: z.array(z.string()).optional(),
  /** true: registered by conn (dynamic client registration); false: the preset's client id. */
  dynamic: z.boolean(),
  authorizationServerUrl: z.string(),
  /** The authorization server's metadata (RFC 8414) as discovered at connect time: refresh needs no discovery. */
  metadata: z.record(z.string(), z.unknown()),
  /** RFC 8707 resource indicator sent with every authorization and token request. */
  resource: z.string().optional(),
  scope: z.string().optional(),
  /** client_credentials with private_key_jwt: the PEM key and algorithm (this item is in the secret store). */
  private_key: z.string().optional(),
  signing_alg: z.string().optional(),
  /** The issuer this client was registered with (SEP-2352): the SDK discards it for another issuer. */
  issuer: z.string().optional(),
});
export type StoredClient = z.infer<typeof StoredClientSchema>;


export async function readTokens(store: SecretStore, name: string): Promise<StoredTokens | undefined> {
  return parseTokens(await store.get(tokensAccount(name)), name);
}

/** The tokens item's text (as a bulk read returned it) → tokens; undefined when there is none. */
export function parseTokens(text: string | null, name: string): StoredTokens | undefined {
  return parseItem(text, StoredTokensSchema, name, 'tokens');
}

export async function readClient(store: SecretStore, name: string): Promise<StoredClient | undefined> {
  return parseItem(await store.get(clientAccount(name)), StoredClientSchema, name, 'client registration');
}

export async function writeTokens(store: SecretStore, name: string, tokens: StoredTokens): Promise<void> {
  await store.set(tokensAccount(name), JSON.stringify(tokens));
}

export async function writeClient(store: SecretStore, name: string, client: StoredClient): Promise<void> {
  await store.set(clientAccount(name), JSON.stringify(client));
}

/** Tokens as the token endpoint returned them → what is stored (expiry made absolute). */
export function toStoredTokens(
  t: { access_token: string; token_type?: string; refresh_token?: string; scope?: string; expires_in?: number },
  now: number,
): StoredTokens {
  return {
    access_token: t.access_token,
    token_type: t.token_type ?? 'Bearer',
    ...(t.refresh_token ? { refresh_token: t.refresh_token } : {}),
    ...(t.scope ? { scope: t.scope } : {}),
    ...(typeof t.expires_in === 'number' && Number.isFinite(t.expires_in) ? { expires_at: now + t.expires_in * 1000, issued_at: now } : {}),
  };
}

/** The stored registration in the shape the SDK's token helpers take. */
export function toClientInformation(client: StoredClient): OAuthClientInformationFull {
  return {
    client_id: client.client_id,
    ...(client.client_secret ? { client_secret: client.client_secret } : {}),
    ...(client.client_secret_expires_at ? { client_secret_expires_at: client.client_secret_expires_at } : {}),
    ...(client.token_endpoint_auth_method ? { token_endpoint_auth_method: client.token_endpoint_auth_method } : {}),
    redirect_uris: client.redirect_uris,
    ...(client.grant_types ? { grant_types: client.grant_types } : {}),
  };
}

function parseItem<T>(text: string | null, schema: z.ZodType<T>, name: string, what: string): T | undefined {
  if (text === null) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const parsed = schema.safeParse(data);
  // Never echo the item: it holds tokens.
  if (!parsed.success) throw new OperationError(`the stored OAuth ${what} of ${name} is damaged`, `run conn connect ${name}`);
  return parsed.data;
}
