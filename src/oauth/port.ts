import { createHash } from 'node:crypto';

/** Ports 49152–65534 (IANA dynamic range) are where a connection's loopback redirect listener lives. */
const PORT_BASE = 49152;
const PORT_SPAN = 16383;

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
