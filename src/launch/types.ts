import type { Permission } from '../catalog/model.js';

/**
 * A launch spec: the one form every feature turns a connection into (see ARCHITECTURE.md).
 * `test` probes it, `render` serialises it into an agent's file, `serve` runs it behind a filter.
 *
 * Secret values appear in the strings either resolved (mode `resolve`) or as a placeholder
 * produced by `secretPlaceholder(envVar)` (mode `reference`), which each agent writer turns into
 * its own reference syntax (`${VAR}`, `${env:VAR}`, `{env:VAR}`, Codex `env_vars`…).
 */
export interface SecretUse {
  /** The preset field (e.g. NOTION_TOKEN, token). */
  field: string;
  /** The variable `conn env` exports for it: CONN_<NAME>_<FIELD>, upper-cased, `-` → `_`. */
  envVar: string;
}

export interface StdioSpec {
  kind: 'stdio';
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /**
   * Variables the server needs from the agent's own environment, by name (never by value): `conn serve`
   * needs the session bus to reach the keychain. Only agents that start servers with a bare
   * environment need to be told (Codex `env_vars`).
   */
  passEnv?: string[];
  /**
   * The directory the connection names on purpose (`conn add … --cwd`, an imported `cwd`): the server
   * starts there. Unset: conn's own empty directory (`serverWorkDir()`), never the caller's.
   */
  cwd?: string;
  secrets: SecretUse[];
  permission: Permission;
}

export interface RemoteSpec {
  kind: 'remote';
  name: string;
  url: string;
  headers: Record<string, string>;
  /** `auto`: Streamable HTTP first, legacy SSE on 400/404/405. */
  transport: 'http' | 'sse' | 'auto';
  secrets: SecretUse[];
  permission: Permission;
}

export interface HttpApiSpec {
  kind: 'http-api';
  name: string;
  /** Base URL every request path is resolved against (and may not escape). */
  url: string;
  /** Auth headers (already holding the token or its placeholder); cannot be overridden by a call. */
  headers: Record<string, string>;
  secrets: SecretUse[];
  permission: Permission;
}

export type LaunchSpec = StdioSpec | RemoteSpec | HttpApiSpec;

const PLACEHOLDER = /\u0000conn-secret:([A-Za-z0-9_]+)\u0000/g;

/** The marker a reference-mode spec holds where a secret value would be. */
export function secretPlaceholder(envVar: string): string {
  return `\u0000conn-secret:${envVar}\u0000`;
}

/** Rewrites every placeholder in `text` with `render(envVar)`; leaves other text as is. */
export function replacePlaceholders(text: string, render: (envVar: string) => string): string {
  return text.replace(PLACEHOLDER, (_m, envVar: string) => render(envVar));
}

/** The env var named by a placeholder when `text` is exactly one placeholder, else undefined. */
export function wholePlaceholder(text: string): string | undefined {
  const m = /^\u0000conn-secret:([A-Za-z0-9_]+)\u0000$/.exec(text);
  return m?.[1];
}

export function hasPlaceholder(text: string): boolean {
  return text.includes('\u0000conn-secret:');
}

/** CONN_<NAME>_<FIELD>: the variable name `conn env` exports for a secret field. */
export function secretEnvVar(connection: string, field: string): string {
  return `CONN_${connection}_${field}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}
