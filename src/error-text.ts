// One line for a failure, the same way everywhere conn reports one (test, serve, OAuth, http-api):
// the first line of a message, a network error code as words, a process's end.

/** The first line of an error's (or any value's) message, trimmed, at most 300 characters. */
export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').trim().slice(0, 300);
}

/**
 * The network error code (ECONNREFUSED, UND_ERR_SOCKET…) of an error or of one of its causes.
 * `wrapper`: errors whose own string code is not the network's (the SDK's CLIENT_HTTP_…): looked through.
 */
export function networkCode(err: unknown, wrapper?: (e: unknown) => boolean): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (wrapper?.(e)) {
      e = (e as { cause?: unknown }).cause;
      continue;
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  if (err instanceof Error && /fetch failed/i.test(err.message)) return 'fetch failed';
  return undefined;
}

/** A network error code in words, `where` (e.g. ` (https://host/path)`) after the words. */
export function networkText(code: string, where = ''): string {
  if (code === 'ECONNREFUSED') return `connection refused${where}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found${where}`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `connection reset${where}`;
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return `connection timed out${where}`;
  if (/CERT|SSL|TLS/.test(code)) return `TLS error${where}: ${code}`;
  return `cannot connect${where}: ${code}`;
}

/** One line for a failed network request: the network cause in words when there is one, else the message. */
export function networkError(err: unknown, where = ''): string {
  const code = networkCode(err);
  return code ? networkText(code, where) : firstLine(err) || 'unknown error';
}

/** How a process ended, as words (`exited with code 1`, `killed by SIGKILL`); `who` (`the server `) goes first. */
export function exitText(exit: { code: number | null; signal: NodeJS.Signals | null } | undefined, who = ''): string | undefined {
  if (!exit) return undefined;
  if (exit.code !== null) return `${who}exited with code ${exit.code}`;
  return exit.signal ? `${who}${who ? 'was ' : ''}killed by ${exit.signal}` : undefined;
}

/** A timer that does not keep the process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
