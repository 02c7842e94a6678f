// `npm ci` on a fresh machine must need nothing but npm: no package in the lock may build native code
// at install time (node-gyp needs python3, make, g++ and downloads Node's headers from the internet).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { hasInstallScript?: boolean; optional?: boolean }>;
};
const COMPILERS = /node-gyp|prebuild-install|node-pre-gyp|cmake-js|\bmake\b|\bg\+\+|\bgcc\b|python/;
// Install scripts known to be compiler-free, each with what it does.
const KNOWN: Record<string, string> = {
  // Checks that the platform's prebuilt binary (@esbuild/<os>-<arch>, an npm package) is in place.
  'node_modules/esbuild': 'node install.js',
};

function installScripts(dir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return ['preinstall', 'install', 'postinstall'].map((s) => pkg.scripts?.[s]).filter((s): s is string => !!s);
}

describe('npm ci needs no compiler', () => {
  const entries = Object.entries(lock.packages).filter(([path]) => path !== '');

  it('has no package with an install script beyond the known compiler-free ones', () => {
    const withScripts = entries.filter(([, meta]) => meta.hasInstallScript).map(([path]) => path);
    expect(withScripts.sort()).toEqual(Object.keys(KNOWN).sort());
    for (const [path, script] of Object.entries(KNOWN)) {
      const scripts = installScripts(path);
      expect(scripts).toEqual([script]);
      expect(scripts.join(' ')).not.toMatch(COMPILERS);
    }
  });

  it('has no installed package with a binding.gyp (npm would run node-gyp rebuild on it)', () => {
    const withGyp = entries.map(([path]) => path).filter((path) => existsSync(join(root, path, 'binding.gyp')));
    expect(withGyp).toEqual([]);
  });

  it('takes the pseudo-terminal for tests from a package with prebuilt binaries', () => {
    expect(lock.packages['node_modules/node-pty']).toBeUndefined();
    expect(lock.packages['node_modules/@lydell/node-pty']).toBeDefined();
    expect(lock.packages['node_modules/@lydell/node-pty']!.hasInstallScript).toBeUndefined();
  });
});
