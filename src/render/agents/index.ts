import type { Agent } from '../../catalog/model.js';
import type { AgentWriter } from './types.js';
import { claudeCode } from './claude-code.js';
import { codex } from './codex.js';
import { cursor } from './cursor.js';
import { gemini } from './gemini.js';
import { kiro } from './kiro.js';
import { opencode } from './opencode.js';
import { vscode } from './vscode.js';
import { copilot } from './copilot.js';
import { qwenCode } from './qwen-code.js';
import { amp } from './amp.js';
import { kilo } from './kilo.js';
import { roo } from './roo.js';
import { zed } from './zed.js';
import { crush } from './crush.js';
import { augment } from './augment.js';
import { junie } from './junie.js';
import { continueWriter } from './continue.js';
import { goose } from './goose.js';
import { claudeDesktop, cline, windsurf } from './user-level.js';

export const WRITERS: Record<Agent, AgentWriter> = {
  'claude-code': claudeCode,
  cursor,
  vscode,
  gemini,
  codex,
  opencode,
  kiro,
  copilot,
  'qwen-code': qwenCode,
  amp,
  kilo,
  roo,
  zed,
  crush,
  augment,
  junie,
  continue: continueWriter,
  'claude-desktop': claudeDesktop,
  cline,
  windsurf,
  goose,
};

export function writerFor(agent: Agent): AgentWriter {
  return WRITERS[agent];
}

export type { AgentWriter, RenderedEntry, ToolFilter } from './types.js';
export { MalformedFileError, UnsupportedEntryError } from './errors.js';
export { CLAUDE_SETTINGS_FILE, claudeDenyRules, mergeClaudeDeny, readClaudeDeny } from './claude-code.js';
