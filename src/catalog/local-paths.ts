// A relative path stored in a connection would later resolve against whatever directory the agent
// starts its servers in: conn resolves it once, at add time, against the directory the user typed
// it in, and says so.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { expandHome } from '../access/repo.js';
import { UsageError } from '../errors.js';
import type { Preset } from '../presets/schema.js';

export interface ResolvedPath {
  what: string;
  from: string;
  to: string;
}

function isRelativePath(value: string): boolean {
  return value === '~' || value.startsWith('~/') || value === '.' || value === '..' || value.startsWith('./') || value.startsWith('../');
}

/** Path fields (the preset marks them `path`) made absolute: `./data`, `data`, `~/data`. */
export function resolvePathFields(preset: Preset, fields: Record<string, string>, cwd: string): ResolvedPath[] {
  const changes: ResolvedPath[] = [];
  for (const field of preset.fields) {
    const value = fields[field.key];
    if (!field.path || !value || isAbsolute(value)) continue;
    const to = resolve(cwd, expandHome(value));
    fields[field.key] = to;
    changes.push({ what: field.key, from: value, to });
  }
  return changes;
}

/**
 * A custom command's relative paths made absolute: the command and any argument written as a path
 * (`./server.js`, `../x`, `~/x`), and a bare argument that names an existing file here (`server.js`).
 * Options (`-x`, `--flag=v`) and package names (`my-mcp-server`, not a file here) stay as they are.
 */
export function resolveCommandPaths(command: string[], cwd: string): ResolvedPath[] {
  const changes: ResolvedPath[] = [];
  command.forEach((arg, i) => {
    if (!arg || arg.startsWith('-') || isAbsolute(arg) || /^[a-z][a-z0-9+.-]*:/i.test(arg)) return;
    const bareFile = i > 0 && /[./]/.test(arg) && existsSync(resolve(cwd, arg));
    if (!isRelativePath(arg) && !bareFile) return;
    const to = resolve(cwd, expandHome(arg));
    command[i] = to;
    changes.push({ what: i === 0 ? 'command' : `argument ${i}`, from: arg, to });
  });
  return changes;
}

/**
 * The working directory a connection names on purpose (`--cwd DIR`): resolved against where the
 * command runs, stored absolute, and it must be a directory now.
 */
export function resolveWorkDir(value: string, cwd: string): string {
  if (value === '') throw new UsageError('--cwd needs a directory', 'or --no-cwd to start the server in conn\'s own empty directory');
  const to = resolve(cwd, expandHome(value));
  if (!statSync(to, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--cwd ${value}: ${to} is not a directory`);
  return to;
}

/** Whether connections of this preset start a local server (the only ones a working directory applies to). */
export function startsLocalServer(preset: Preset, command?: string[]): boolean {
  return preset.kind === 'stdio' || preset.id === 'custom' || Boolean(command?.length);
}
