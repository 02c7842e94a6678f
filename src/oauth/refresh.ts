// The refresh grant itself, through the SDK (loaded only when a token really needs refreshing).
import { refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import { OAuthError, ServerError, TemporarilyUnavailableError, TooManyRequestsError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthorizationServerMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { errorText, timedFetch } from './http.js';
import { toClientInformation, type StoredClient } from './storage.js';

export type RefreshOutcome =
  | { ok: true; tokens: OAuthTokens }
  /** `rejected`: the authorization server said no (the grant is dead); otherwise it could not be asked. */
  | { ok: false; rejected: boolean; reason: string };

const REFRESH_TIMEOUT_MS = 15_000;

export async function refreshAccessToken(client: StoredClient, refreshToken: string): Promise<RefreshOutcome> {
  try {
    const tokens = await refreshAuthorization(client.authorizationServerUrl, {
      metadata: client.metadata as AuthorizationServerMetadata,
      clientInformation: toClientInformation(client),
      refreshToken,
      resource: client.resource,
      fetchFn: timedFetch(REFRESH_TIMEOUT_MS),
    });
    return { ok: true, tokens };
  } catch (err) {
    const rejected =
      err instanceof OAuthError && !(err instanceof ServerError || err instanceof TemporarilyUnavailableError || err instanceof TooManyRequestsError);
    return { ok: false, rejected, reason: errorText(err) };
  }
}
