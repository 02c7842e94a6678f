// The refresh grant itself, through the SDK (loaded only when a token really needs refreshing).
import { OAuthError, OAuthErrorCode, refreshAuthorization, type AuthorizationServerMetadata, type OAuthTokens } from '@modelcontextprotocol/client';
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
    /** The server could not answer now: the grant may still be good. */
    const passing: string[] = [OAuthErrorCode.ServerError, OAuthErrorCode.TemporarilyUnavailable, OAuthErrorCode.TooManyRequests];
    const rejected = err instanceof OAuthError && !passing.includes(err.code);
    return { ok: false, rejected, reason: errorText(err) };
  }
}
