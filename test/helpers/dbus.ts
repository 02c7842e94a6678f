// D-Bus checks shared by the test keyring (global setup) and the reliability suite's private keyrings.
import { spawnSync } from 'node:child_process';

export function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Polls the bus (never a fixed sleep) until `name` has an owner; false after `limitMs`. */
export async function waitForBusName(address: string, name: string, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    const r = spawnSync('dbus-send', ['--session', '--dest=org.freedesktop.DBus', '--type=method_call', '--print-reply',
      '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`], {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address }, encoding: 'utf8',
    });
    if (r.stdout.includes('boolean true')) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
