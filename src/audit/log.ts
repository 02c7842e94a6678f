// Audit log: one JSON line per render, serve start and OAuth connect; never a secret value.
// Render calls appendAudit on every write, so this file imports node:fs and node:path only.
import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface AuditEntry {
  /** ISO 8601. */
  time: string;
  /** `render`, `serve`, `connect`… */
  command: string;
  /** The repo's root directory. */
  repo?: string;
  agent?: string;
  connection?: string;
  permission?: string;
  /** The secrets mode: `inline`, `env`, `proxy` (never a secret value). */
  secrets?: string;
  /** `conn serve --http`: the URL it listens at (never the token). */
  listen?: string;
}

export interface AuditOptions {
  /** Rotate when the log would grow past this (default 1 MiB). */
  maxBytes?: number;
  /** Files kept, the live one included: 1–3 (default 3: audit.log, audit.log.1, audit.log.2). */
  keep?: number;
}

export const AUDIT_MAX_BYTES = 1024 * 1024;
export const AUDIT_KEEP = 3;

export function auditPath(home: string): string {
  return join(home, 'audit.log');
}

/**
 * Appends entries to `$CONN_HOME/audit.log`, all in one write (a render of 20 connections logs 20
 * lines). When they would take the file past `maxBytes`, the file is rotated first (audit.log →
 * audit.log.1 → audit.log.2; the oldest beyond `keep` is overwritten). Only the named keys are
 * written, so a caller cannot log a secret by accident.
 */
export function appendAudit(home: string, entries: AuditEntry | AuditEntry[], opts: AuditOptions = {}): void {
  const maxBytes = opts.maxBytes ?? AUDIT_MAX_BYTES;
  const keep = Math.min(3, Math.max(1, opts.keep ?? AUDIT_KEEP));
  const lines = (Array.isArray(entries) ? entries : [entries]).map((entry) =>
    `${JSON.stringify({
      time: entry.time,
      command: entry.command,
      repo: entry.repo,
      agent: entry.agent,
      connection: entry.connection,
      permission: entry.permission,
      secrets: entry.secrets,
      listen: entry.listen,
    })}\n`,
  );
  if (lines.length === 0) return;
  const text = lines.join('');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = auditPath(home);
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size > 0 && size + Buffer.byteLength(text) > maxBytes) rotate(path, keep);
  appendFileSync(path, text, { mode: 0o600 });
}

function rotate(path: string, keep: number): void {
  // Two processes may rotate at once: a rename that finds nothing is fine.
  const move = (from: string, to: string) => {
    try {
      renameSync(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  };
  if (keep === 1) {
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
    return;
  }
  for (let i = keep - 1; i > 1; i--) move(`${path}.${i - 1}`, `${path}.${i}`);
  move(path, `${path}.1`);
}

/** Every entry, oldest first, from the rotated files and the live one; lines that do not parse are skipped. */
export function readAudit(home: string): AuditEntry[] {
  const path = auditPath(home);
  const files = [`${path}.2`, `${path}.1`, path];
  const out: AuditEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as AuditEntry;
        if (e && typeof e.time === 'string' && typeof e.command === 'string') out.push(e);
      } catch {
        /* a torn line from a crash: skip it */
      }
    }
  }
  return out;
}

export interface AuditFilter {
  connection?: string;
  /** A repo root (exact) or a piece of one (substring). */
  repo?: string;
  repoExact?: boolean;
  since?: Date;
}

export function filterAudit(entries: AuditEntry[], f: AuditFilter): AuditEntry[] {
  return entries.filter((e) => {
    if (f.connection && e.connection !== f.connection) return false;
    if (f.repo && !(f.repoExact ? e.repo === f.repo : (e.repo ?? '').includes(f.repo))) return false;
    if (f.since && !(Date.parse(e.time) >= f.since.getTime())) return false;
    return true;
  });
}

/** `--since`: an ISO date/time, or relative `30m`, `24h`, `7d`, `2w` before `now`. Undefined when invalid. */
export function parseSince(text: string, now: Date): Date | undefined {
  const rel = /^(\d+)\s*(m|h|d|w)$/.exec(text.trim());
  if (rel) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[rel[2] as 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(rel[1]) * unit);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const t = Date.parse(text.trim());
  return Number.isNaN(t) ? undefined : new Date(t);
}
