import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { connEntryScript } from '../paths.js';
import type { DepsFactory } from './types.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * The snippet re-renders quietly on every directory change, only in repos rendered before
 * (`conn render --auto`), prints only what changed or failed, and never blocks the prompt on errors.
 */
export function hookSnippet(shell: Shell, conn: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = `${q(process.execPath)} ${q(conn)} render --auto --quiet`;
  if (shell === 'fish') {
    return `function __conn_render --on-variable PWD --description 'conn: render agent MCP files on cd'
  ${cmd.replace(/'\\''/g, "\\'")} 2>&1 | sed '/^conn: /!s/^/conn: /' >&2; or true
end
__conn_render`;
  }
  const body = `__conn_render() {
  local out
  out=$(${cmd} 2>&1) || true
  [ -n "$out" ] && printf '%s\\n' "$out" | sed '/^conn: /!s/^/conn: /' >&2
  return 0
}`;
  if (shell === 'zsh') {
    return `${body}
autoload -Uz add-zsh-hook
add-zsh-hook chpwd __conn_render
__conn_render`;
  }
  return `${body}
__conn_cd_hook() {
  if [ "$PWD" != "\${__CONN_LAST_PWD-}" ]; then __CONN_LAST_PWD=$PWD; __conn_render; fi
}
case ";\${PROMPT_COMMAND-};" in
  *";__conn_cd_hook;"*) ;;
  *) PROMPT_COMMAND="__conn_cd_hook\${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
esac`;
}

export function register(program: Command, _deps: DepsFactory): void {
  program
    .command('hook <shell>')
    .description('Print a shell snippet that re-renders on every cd, in repos rendered before')
    .addHelpText('after', `
Examples:
  $ eval "$(conn hook bash)"    # in ~/.bashrc
  $ eval "$(conn hook zsh)"     # in ~/.zshrc
  $ conn hook fish | source     # in ~/.config/fish/config.fish`)
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`unknown shell: ${shell}`, `use ${SHELLS.join(', ')}`);
      process.stdout.write(`${hookSnippet(shell as Shell, connEntryScript())}\n`);
    });
}
