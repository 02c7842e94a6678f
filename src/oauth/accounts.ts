// Where a connection's OAuth state lives in the secret store (never in the config file), without
// loading the schemas of storage.ts:
//   <name>/oauth:tokens  the access and refresh token and the access token's expiry
//   <name>/oauth:client  the client registration and the authorization server it belongs to
import { secretAccount } from '../secrets/store.js';

export const TOKENS_FIELD = 'oauth:tokens';
export const CLIENT_FIELD = 'oauth:client';

export const tokensAccount = (name: string) => secretAccount(name, TOKENS_FIELD);
export const clientAccount = (name: string) => secretAccount(name, CLIENT_FIELD);
