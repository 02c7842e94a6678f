// Deciding whether a value found in an agent's config is a secret, and saying why. Pure: the import
// plan, `conn scan` and their tests share it.

/** Where a value sits in a server entry. */
export type ValueSite = 'env' | 'header' | 'arg' | 'url';

export type SecretRule = 'known-name' | 'name-pattern' | 'token-prefix' | 'authorization' | 'url-credentials';

export interface SecretFinding {
  rule: SecretRule;
  /** Human reason, never containing the value: `known secret field of preset notion`, `GitHub token (ghp_…)`. */
  reason: string;
}

export interface DetectContext {
  /** Env var / field names that presets declare secret → the preset id that declares them. */
  secretNames?: ReadonlyMap<string, string>;
  /** Names presets declare as plain fields (a name rule does not override them; a token-shaped value does). */
  plainNames?: ReadonlySet<string>;
}

/** Token prefixes vendors put on their credentials, with what they are. */
export const TOKEN_PREFIXES: readonly (readonly [string, string])[] = [
  ['github_pat_', 'GitHub fine-grained token'],
  ['ghp_', 'GitHub token'],
  ['gho_', 'GitHub OAuth token'],
  ['ghs_', 'GitHub app token'],
  ['ctx7sk-', 'Context7 API key'],
  ['ntn_', 'Notion token'],
  ['xoxb-', 'Slack bot token'],
  ['xoxp-', 'Slack user token'],
  ['lin_api_', 'Linear API key'],
  ['sk_', 'secret key (Stripe-style)'],
  ['rk_', 'restricted key (Stripe-style)'],
  ['sbp_', 'Supabase access token'],
  ['re_', 'Resend API key'],
  ['sntryu_', 'Sentry user token'],
  ['AIza', 'Google API key'],
];

const NAME_PATTERN = /TOKEN|KEY|SECRET|PASSWORD|PASSWD|(?<![A-Za-z])PASS(?!THROUGH)/i;
/** Names that count tokens rather than hold one (`MAX_NEW_TOKENS`, `DEFAULT_MINIMUM_TOKENS`). */
const COUNT_NAME = /TOKENS$|_TOKENS_|MAX_?TOKEN|MIN(IMUM)?_?TOKEN|TOKEN_?(LIMIT|COUNT|BUDGET)/i;
/** A JSON Web Token: three base64url parts, the first two JSON objects (`eyJ…`). */
const JWT = /(?:^|[^A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;
const AUTH_HEADERS = new Set(['authorization', 'proxy-authorization']);
/** Query parameters that carry credentials in URLs (`?api_key=…`, `?token=…`). */
const SECRET_QUERY = /token|key|secret|password|auth|sig/i;

/**
 * `${VAR}`, `${env:VAR}` (Claude Code, Cursor, VS Code, Gemini) and `{env:VAR}` (opencode): the name
 * of the variable when the whole value is such a reference, else undefined.
 */
export function referencedVar(value: string): string | undefined {
  return reference(value)?.name;
}

/**
 * The whole value as a reference to a variable: `${VAR}`, `${env:VAR}`, `{env:VAR}`, and Claude
 * Code's `${VAR:-default}` (with its default); undefined for anything else.
 */
export function reference(value: string): { name: string; fallback?: string } | undefined {
  const v = value.trim();
  const m = /^(?:\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}|\{env:([A-Za-z_][A-Za-z0-9_]*)\})$/.exec(v);
  if (m) return { name: (m[1] ?? m[2])! };
  const d = /^\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}\n]*)\}$/.exec(v);
  return d ? { name: d[1]!, fallback: d[2]! } : undefined;
}

/** The id of a VS Code input variable when the whole value is one (`${input:github_token}`). */
export function inputReference(value: string): string | undefined {
  return /^\$\{input:([^}\s]+)\}$/.exec(value.trim())?.[1];
}

/**
 * A reference anywhere in the value, of any syntax (`Bearer ${TOKEN}`, `${input:id}`, `${VAR:-x}`,
 * `${workspaceFolder}`, `${process.env.X}`, `{env:X}`): such a value carries no secret itself.
 */
export function containsReference(value: string): boolean {
  return /\$\{[^}\s]+\}|\{env:[A-Za-z_][A-Za-z0-9_]*\}/.test(value);
}

/** A value that stands for one to fill in (`YOUR_API_KEY_HERE`, `<APILLON_API_KEY>`, `<paste-your-token>`). */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return (
    /^<[^<>]+>$/.test(v) ||
    /^\[[^[\]]+\]$/.test(v) ||
    /\byour[-_ ]?[a-z0-9_-]*(key|token|secret|pass|here)/i.test(v) ||
    /^your[-_]/i.test(v) ||
    /paste[-_ ]?(your|here)/i.test(v) ||
    /_HERE$/i.test(v) ||
    /^(x{3,}|\*{3,}|\.{3}|changeme|change-me|placeholder|todo|none|null|undefined)$/i.test(v)
  );
}

/** The vendor token prefix found in `value` (at its start or after a separator such as `Bearer `). */
export function tokenPrefixIn(value: string): readonly [string, string] | undefined {
  for (const entry of TOKEN_PREFIXES) {
    const [prefix] = entry;
    const escaped = prefix.replace(/[-]/g, '\\-');
    // Random tokens are long and contain a digit; this keeps `re_index`, `sk_learn` out.
    const m = new RegExp(`(?:^|[^A-Za-z0-9_])${escaped}([A-Za-z0-9_\\-]{8,})`).exec(value);
    if (m && /[0-9]/.test(m[1]!)) return entry;
  }
  return undefined;
}

/** Credentials in a URL: a password (or a lone user name that looks like a token), or a secret-named query parameter. */
export function urlCredentials(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.password) return 'password inside the URL';
  if (url.username && tokenPrefixIn(url.username)) return 'token inside the URL';
  for (const [key, v] of url.searchParams) {
    if (v && SECRET_QUERY.test(key) && !containsReference(v)) return `query parameter ${key} in the URL`;
  }
  return undefined;
}

/**
 * Is `value`, found under `key` at `site`, a secret? Returns the rule and a reason, or undefined.
 * References (`${VAR}`, `{env:VAR}`) and empty values never are: they hold no secret themselves.
 */
export function detectSecret(site: ValueSite, key: string, value: string, ctx: DetectContext = {}): SecretFinding | undefined {
  if (value.trim() === '' || referencedVar(value) !== undefined) return undefined;
  if (containsReference(value) || isPlaceholder(value)) return undefined;
  if (site === 'header' && AUTH_HEADERS.has(key.toLowerCase())) return { rule: 'authorization', reason: `${key} header` };
  const preset = ctx.secretNames?.get(key);
  if (preset) return { rule: 'known-name', reason: `known secret field of preset ${preset}` };
  const prefix = tokenPrefixIn(value);
  if (prefix) return { rule: 'token-prefix', reason: `${prefix[1]} (${prefix[0]}…)` };
  if (JWT.test(value)) return { rule: 'token-prefix', reason: 'JSON Web Token (eyJ…)' };
  const inUrl = urlCredentials(value);
  if (inUrl) return { rule: 'url-credentials', reason: inUrl };
  if (ctx.plainNames?.has(key)) return undefined;
  // A count or a switch is no secret, whatever the name (`MAX_NEW_TOKENS=512`, `USE_API_KEY=true`).
  if (COUNT_NAME.test(key) || /^(\d+|true|false|yes|no|on|off)$/i.test(value.trim())) return undefined;
  const named = NAME_PATTERN.exec(key);
  if (named && site !== 'url') return { rule: 'name-pattern', reason: `name contains ${named[0].toUpperCase()}` };
  return undefined;
}

/**
 * Values in an argument list, keyed by their flag where there is one: `--api-key=x` and
 * `--api-key x` → key `api-key`; a bare positional → `arg N`.
 */
export function argValues(args: readonly string[]): { key: string; value: string; index: number }[] {
  const out: { key: string; value: string; index: number }[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = /^--?([A-Za-z][A-Za-z0-9_.-]*)=(.*)$/s.exec(arg);
    if (eq) {
      out.push({ key: eq[1]!, value: eq[2]!, index: i });
      continue;
    }
    const flag = /^--?([A-Za-z][A-Za-z0-9_.-]*)$/.exec(arg);
    const next = args[i + 1];
    if (flag && next !== undefined && !next.startsWith('-') && NAME_PATTERN.test(flag[1]!)) {
      out.push({ key: flag[1]!, value: next, index: i + 1 });
      i++;
      continue;
    }
    if (!flag) out.push({ key: `arg ${i + 1}`, value: arg, index: i });
  }
  return out;
}
