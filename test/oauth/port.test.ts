// The loopback redirect port (issue 18, Build 7): stable per connection name and outside every OS's
// ephemeral port range, where parallel sign-ins collided with TIME-WAIT sockets.
import { describe, expect, it } from 'vitest';
import { loopbackPort } from '../../src/oauth/port.js';

describe('loopback redirect port', () => {
  it('is derived from the name and stays below the ephemeral ranges (Linux 32768–60999, macOS/Windows 49152+)', () => {
    const ports = Array.from({ length: 2000 }, (_, i) => loopbackPort(`conn-${i}`));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(1024);
      expect(port).toBeLessThan(32768);
    }
    expect(new Set(ports).size).toBeGreaterThan(1500);
    expect(loopbackPort('linear-app')).toBe(loopbackPort('linear-app'));
  });
});
