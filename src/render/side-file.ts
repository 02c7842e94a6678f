/** Claude Code's local settings file (deny rules), named here too so the fast path need not load the writers. */
export const CLAUDE_SETTINGS_FILE_PATH = '.claude/settings.local.json';
