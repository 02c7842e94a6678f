// The no-change path of `conn render`, run from a shell hook on every `cd`: a stamp of the inputs and
// two small file reads. No catalog schema, no presets, no keychain, no MCP SDK.
import { join } from 'node:path';
import type { Agent } from '../catalog/constants.js';
import { CLAUDE_SETTINGS_FILE_PATH } from './side-file.js';
import { readState, type SecretsMode } from './state.js';
import { fileHash, inputsStamp } from './stamp.js';

export function isUnchanged(home: string, root: string, remote: string | undefined, agent: Agent, secrets: SecretsMode, now: Date): boolean {
  const state = readState(home, root, agent);
  if (!state || state.secrets !== secrets || state.volatile) return false;
  if (state.expiresAt && new Date(state.expiresAt).getTime() - 60_000 <= now.getTime()) return false;
  if (state.stamp !== inputsStamp({ home, root, remote, agent, secrets })) return false;
  if (fileHash(join(root, state.file)) !== state.output) return false;
  if (agent === 'claude-code' && fileHash(join(root, CLAUDE_SETTINGS_FILE_PATH)) !== state.side) return false;
  return true;
}
