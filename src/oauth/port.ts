import { createHash } from 'node:crypto';

/**
 * Ports 24000–32767 are where a connection's loopback redirect listener lives: below every ephemeral
 * range (Linux 32768–60999, macOS and Windows 49152–65535), so an outgoing connection's socket — or one
 * in TIME-WAIT after a parallel sign-in — never holds the port. A client registered earlier keeps the
 * port of its registered redirect URI (flow.ts).
 */
export const PORT_BASE = 24000;
export const PORT_SPAN = 8768;

/**
 * The loopback port for a connection's OAuth redirect, derived from its name so the redirect URI a
 * client was registered with stays the same from one `conn connect` to the next.
 */
export function loopbackPort(name: string): number {
  return PORT_BASE + (createHash('sha256').update(name).digest().readUInt32BE(0) % PORT_SPAN);
}

export function redirectUriFor(port: number): string {
  return `http://127.0.0.1:${port}/callback`;
}

/** The port of a loopback redirect URI we registered earlier, if it is one. */
export function portOfRedirect(uri: string | undefined): number | undefined {
  if (!uri) return undefined;
  try {
    const u = new URL(uri);
    if (u.hostname !== '127.0.0.1' || u.pathname !== '/callback' || !u.port) return undefined;
    return Number(u.port);
  } catch {
    return undefined;
  }
}
