import type { Io } from './io.js';

export function healthText(status: string, io: Io, oauth?: string): string {
  const word = oauth === 'disconnected' ? 'disconnected' : status;
  if (!io.color) return word;
  if (word === 'healthy') return io.c.green(`✓ ${word}`);
  if (word === 'error' || word === 'disconnected') return io.c.red(`✗ ${word}`);
  return io.c.dim(word);
}

/** "5m ago", "3h ago", "2d ago". */
export function since(iso: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
