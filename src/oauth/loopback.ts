import { createServer, type Server } from 'node:http';
import { OperationError } from '../errors.js';

export interface CallbackListener {
  /** Resolves with the authorization code; rejects on a wrong state, an error redirect or the timeout. */
  code: Promise<string>;
  /** The redirect's `iss` (RFC 9207), once `code` has resolved; undefined when it carried none. */
  iss(): string | undefined;
  close(): Promise<void>;
}

export interface ListenOptions {
  name: string;
  port: number;
  state: string;
  timeoutMs: number;
  /** RFC 9207: the authorization server's issuer; an `iss` in the redirect must equal it. */
  issuer?: string;
  /** The server advertises authorization_response_iss_parameter_supported: `iss` must be there. */
  requireIss?: boolean;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>`;

/**
 * The loopback redirect target (RFC 8252): listens on 127.0.0.1 only, accepts exactly one redirect to
 * /callback carrying our `state`, and gives up after the timeout. A redirect with another state ends the
 * flow (it is either a forged request or a stale tab): nothing is exchanged.
 */
export async function listenForCallback(opts: ListenOptions): Promise<CallbackListener> {
  const server: Server = createServer();
  let settle: { resolve(code: string): void; reject(err: Error): void } | undefined;
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  code.catch(() => undefined); // the caller awaits it; this keeps an early rejection from being "unhandled"
  let done = false;
  let issued: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const finish = (err: Error | undefined, value?: string) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (err) settle!.reject(err);
    else settle!.resolve(value!);
  };

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    if (done) {
      res.writeHead(410, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE('Already done', 'This sign-in has already finished. You can close this tab.'));
      return;
    }
    const params = url.searchParams;
    if (params.get('state') !== opts.state) {
      res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE('Sign-in refused', 'The response did not carry the state conn sent. Nothing was stored.'));
      finish(
        new OperationError(
          `the sign-in redirect for ${opts.name} carried a state that does not match the one conn sent (a stale tab or a forged request): nothing was stored — run conn connect ${opts.name} again`,
        ),
      );
      return;
    }
    const iss = params.get('iss');
    if ((iss !== null && opts.issuer !== undefined && iss !== opts.issuer) || (iss === null && opts.requireIss)) {
      res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE('Sign-in refused', 'The response came from another authorization server. Nothing was stored.'));
      finish(
        new OperationError(
          `the sign-in redirect for ${opts.name} ${iss === null ? 'carried no iss' : `names issuer ${oneLine(iss)}`}, not ${opts.issuer ?? 'the authorization server conn asked'} (RFC 9207 mix-up protection): nothing was stored — run conn connect ${opts.name} again`,
        ),
      );
      return;
    }
    const error = params.get('error');
    if (error) {
      const description = params.get('error_description');
      res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE('Sign-in failed', 'The authorization server refused the sign-in. See the terminal.'));
      finish(new OperationError(`the authorization server refused the sign-in for ${opts.name}: ${error}${description ? ` (${oneLine(description)})` : ''}`));
      return;
    }
    const value = params.get('code');
    if (!value) {
      res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE('Sign-in failed', 'The redirect carried no authorization code.'));
      finish(new OperationError(`the sign-in redirect for ${opts.name} carried no authorization code — run conn connect ${opts.name} again`));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE('Signed in', `conn is connected to ${opts.name}. You can close this tab.`));
    issued = iss ?? undefined;
    finish(undefined, value);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new OperationError(`port ${opts.port} on 127.0.0.1 is in use, so the sign-in redirect cannot reach conn`, 'close what uses it, or pass --port N (a new port registers a new client)')
          : new OperationError(`cannot listen on 127.0.0.1:${opts.port} for the sign-in redirect: ${err.message}`),
      );
    });
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });

  timer = setTimeout(() => {
    finish(
      new OperationError(
        `timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for the sign-in to ${opts.name} in the browser — run conn connect ${opts.name} again (--timeout S to wait longer)`,
      ),
    );
  }, opts.timeoutMs);

  return {
    code,
    iss: () => issued,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
