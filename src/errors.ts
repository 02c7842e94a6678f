/** Bad usage or invalid input: exit 2. Nothing has been changed when this is thrown. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The operation failed (unhealthy connection, refused render, unreachable keychain): exit 1. */
export class OperationError extends Error {
  readonly exitCode = 1;
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'OperationError';
  }
}

/** The user interrupted (Ctrl-C, EOF at a prompt): exit 130, nothing left behind. */
export class InterruptedError extends Error {
  readonly exitCode = 130;
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'InterruptedError';
  }
}

export type ConnError = UsageError | OperationError | InterruptedError;

export function isConnError(err: unknown): err is ConnError {
  return err instanceof UsageError || err instanceof OperationError || err instanceof InterruptedError;
}

/** One line: the message, then the hint after an em dash-free separator. */
export function formatError(err: unknown): string {
  if (isConnError(err)) {
    const hint = 'hint' in err && err.hint ? ` (${err.hint})` : '';
    return `${err.message}${hint}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `unexpected error: ${message.split('\n')[0]}`;
}

export function exitCodeOf(err: unknown): number {
  return isConnError(err) ? err.exitCode : 1;
}
