// The client_credentials grant (machine-to-machine: CI, agent pods) for `conn connect` and for getting
// a new token when one expires: the v2 SDK's `auth()` with its ClientCredentialsProvider
// (client_secret_basic/_post, as the server advertises) or PrivateKeyJwtProvider (private_key_jwt).
// No browser, no refresh token. Loads the SDK: import lazily.
import { auth, ClientCredentialsProvider, PrivateKeyJwtProvider, type OAuthClientProvider } from '@modelcontextprotocol/client';
import { OperationError } from '../errors.js';
import type { ConnectFlowResult, PresetClient, ServerInfo } from './flow.js';
import { errorText, timedFetch } from './http.js';
import { toStoredTokens, type StoredClient } from './storage.js';

const HTTP_TIMEOUT_MS = 15_000;
export const CLIENT_CREDENTIALS = 'client_credentials';

export async function clientCredentials(
  name: string,
  serverUrl: string,
  server: Pick<ServerInfo, 'authorizationServerUrl' | 'metadata' | 'resource' | 'scope'>,
  client: PresetClient,
  now: number,
): Promise<ConnectFlowResult> {
  const supported = server.metadata.grant_types_supported;
  if (supported && !supported.includes(CLIENT_CREDENTIALS)) {
    throw new OperationError(
      `the authorization server of ${name} (${server.authorizationServerUrl}) does not support the client_credentials grant (it lists: ${supported.join(', ')})`,
      `sign in as a user instead: conn edit ${name} --unset grant, then conn connect ${name}`,
    );
  }
  const scope = server.scope;
  const provider: OAuthClientProvider = client.privateKey
    ? new PrivateKeyJwtProvider({ clientId: client.clientId!, privateKey: client.privateKey, algorithm: client.signingAlg ?? 'RS256', clientName: 'conn', ...(scope ? { scope } : {}) })
    : new ClientCredentialsProvider({ clientId: client.clientId!, clientSecret: client.clientSecret ?? '', clientName: 'conn', ...(scope ? { scope } : {}) });
  try {
    const result = await auth(provider, { serverUrl, fetchFn: timedFetch(HTTP_TIMEOUT_MS), ...(scope ? { scope } : {}) });
    if (result !== 'AUTHORIZED') throw new Error(`unexpected result ${result}`);
  } catch (err) {
    throw new OperationError(`the client_credentials grant for ${name} failed: ${errorText(err)}`, `check client_id and the secret: conn show ${name}`);
  }
  const tokens = await provider.tokens();
  if (!tokens) throw new OperationError(`the authorization server of ${name} returned no token`);
  const stored: StoredClient = {
    client_id: client.clientId!,
    ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
    ...(client.privateKey ? { private_key: client.privateKey, signing_alg: client.signingAlg ?? 'RS256' } : {}),
    redirect_uris: [],
    grant_types: [CLIENT_CREDENTIALS],
    dynamic: false,
    authorizationServerUrl: server.authorizationServerUrl,
    metadata: server.metadata as Record<string, unknown>,
    ...(server.resource ? { resource: server.resource } : {}),
    ...(scope ? { scope } : {}),
  };
  return { tokens: toStoredTokens(tokens as Parameters<typeof toStoredTokens>[0], now), client: stored, flow: 'client_credentials' };
}
