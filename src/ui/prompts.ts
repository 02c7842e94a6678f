import { InterruptedError } from '../errors.js';
import type { Field } from '../presets/schema.js';

/**
 * How commands ask the user, injected through `deps.prompter` (like the GitHub CLI's Prompter in each
 * command's options): the terminal one below, or a scripted one in tests. Whether asking is allowed
 * at all (a TTY, not CI) is `io.canPrompt`.
 */
export interface Prompter {
  /** One field: hidden input for secrets, a choice list where the field has choices. */
  field(field: Field): Promise<string>;
  confirm(message: string, fallback?: boolean): Promise<boolean>;
}

/** The terminal prompter (@inquirer/prompts, loaded on first question). */
export const terminalPrompter: Prompter = { field: (f) => promptField(f), confirm: (m, fallback) => confirm(m, fallback) };

/** Prompts for one field: hidden input for secrets, a choice list where the field has choices. */
export async function promptField(field: Field): Promise<string> {
  const prompts = await import('@inquirer/prompts');
  const message = `${field.label}${field.hint ? ` (${field.hint})` : ''}`;
  try {
    if (field.secret) {
      return await prompts.password({ message, mask: '*', validate: (v) => (v.trim() === '' && field.required ? 'required' : true) });
    }
    if (field.choices) {
      return await prompts.select({ message, choices: field.choices.map((c) => ({ value: c, name: c })), default: field.default });
    }
    return await prompts.input({
      message,
      default: field.default,
      validate: (v) => (v.trim() === '' && field.required ? 'required' : true),
    });
  } catch (err) {
    throw asInterrupt(err);
  }
}

export async function confirm(message: string, fallback = false): Promise<boolean> {
  const prompts = await import('@inquirer/prompts');
  try {
    return await prompts.confirm({ message, default: fallback });
  } catch (err) {
    throw asInterrupt(err);
  }
}

function asInterrupt(err: unknown): unknown {
  // Ctrl-C or a closed stdin at a prompt: nothing has been written yet, say so and stop.
  if (err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError')) {
    return new InterruptedError('interrupted: nothing was saved');
  }
  return err;
}

/** All of standard input, without one trailing newline. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
