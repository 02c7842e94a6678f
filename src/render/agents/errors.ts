import { OperationError } from '../../errors.js';

/** An agent's existing config file does not parse: conn stops and never overwrites it. */
export class MalformedFileError extends OperationError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot parse ${file}: ${reason}`, 'fix or remove the file; conn never overwrites a file it cannot parse');
    this.name = 'MalformedFileError';
  }
}

/** A connection cannot be expressed in an agent's config format (Codex and SSE, renamed env vars…). */
export class UnsupportedEntryError extends OperationError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'UnsupportedEntryError';
  }
}
