// Audit log: one JSON line per render, serve start and OAuth connect; never a secret value.
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface AuditEntry {
  time: string;
  command: string;
  repo?: string;
  agent?: string;
  connection?: string;
  permission?: string;
  secrets?: string;
}

export const AUDIT_MAX_BYTES = 1024 * 1024;

export function auditPath(home: string): string {
  return join(home, 'audit.log');
}

export function appendAudit(home: string, entry: AuditEntry, maxBytes = AUDIT_MAX_BYTES): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = auditPath(home);
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size > maxBytes) renameSync(path, `${path}.1`);
  appendFileSync(path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
}
