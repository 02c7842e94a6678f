// Global setup: a private D-Bus session bus with an unlocked gnome-keyring-daemon, so keychain tests
// use a real Secret Service and never the user's own keychain. Torn down after the run.
// Without the daemon, tests that need it fail (CI=true) or are reported as skipped with the reason.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { waitForBusName, which } from './dbus.js';

let bus: ChildProcess | undefined;
let keyring: ChildProcess | undefined;
let dataDir: string | undefined;



export default async function setup(project: TestProject) {
  if (!which('dbus-daemon') || !which('gnome-keyring-daemon')) {
    const why = 'gnome-keyring-daemon or dbus-daemon not installed (apt-get install gnome-keyring dbus-daemon)';
    if (process.env.CI) throw new Error(`keychain tests need a Secret Service: ${why}`);
    project.provide('keychainUnavailable', why);
    return;
  }
  dataDir = mkdtempSync(join(tmpdir(), 'conn-keyring-'));
  bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', '--nopidfile'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address: string = await new Promise((resolve, reject) => {
    let buf = '';
    bus!.stdout!.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.trim());
    });
    bus!.on('error', reject);
    bus!.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
  });
  // Its own runtime dir too: gnome-keyring keeps its control socket there, and a second daemon (the
  // reliability tests' private ones) sharing it could take over or stop this one mid-run.
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: dataDir, HOME: dataDir, XDG_RUNTIME_DIR: dataDir };
  // --foreground keeps the daemon our child, so teardown can stop exactly this one.
  keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  keyring.stdin!.end('test-password');
  if (!(await waitForBusName(address, 'org.freedesktop.secrets', 5000))) {
    throw new Error('gnome-keyring-daemon did not appear on the private bus');
  }
  process.env.DBUS_SESSION_BUS_ADDRESS = address;
  project.provide('dbusAddress', address);
  project.provide('keychainUnavailable', '');
  return teardown;
}

async function teardown() {
  for (const child of [keyring, bus]) {
    if (!child || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  bus?.stdout?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    dbusAddress: string;
    keychainUnavailable: string;
  }
}
