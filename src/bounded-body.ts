// Every HTTP body conn reads has a size bound: a hostile or broken server that answers with an endless
// (or 600 MB) body must get a one-line error, not conn's memory. Reusable by every HTTP client in conn
// (OAuth, the MCP Registry, the http-api bridge).

/** A body went past its bound; the rest was dropped unread. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    readonly from: string,
  ) {
    super(`the answer from ${from} is larger than ${formatBytes(limit)}; conn stopped reading it`);
    this.name = 'BodyTooLargeError';
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the server';
  }
}

/**
 * Reads at most `limit` bytes of `res`'s body. `onOver: 'truncate'` keeps the first `limit` bytes and
 * says so; `'throw'` rejects with BodyTooLargeError. Either way the rest is cancelled, never buffered.
 */
export async function readBoundedBody(
  res: Response,
  limit: number,
  onOver: 'truncate' | 'throw' = 'throw',
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!res.body) return { bytes: new Uint8Array(0), truncated: false };
  const declared = Number(res.headers.get('content-length'));
  if (onOver === 'throw' && Number.isFinite(declared) && declared > limit) {
    await res.body.cancel().catch(() => undefined);
    throw new BodyTooLargeError(limit, origin(res.url));
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let over = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > limit) {
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        over = true;
        break;
      }
      chunks.push(value);
      size += value.length;
    }
  } finally {
    if (over) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  if (over && onOver === 'throw') throw new BodyTooLargeError(limit, origin(res.url));
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { bytes, truncated: over };
}

/** The body as text, at most `limit` bytes (BodyTooLargeError beyond). */
export async function readBoundedText(res: Response, limit: number): Promise<string> {
  const { bytes } = await readBoundedBody(res, limit, 'throw');
  return new TextDecoder().decode(bytes);
}

/** The body parsed as JSON, at most `limit` bytes (BodyTooLargeError beyond). */
export async function readBoundedJson(res: Response, limit: number): Promise<unknown> {
  return JSON.parse(await readBoundedText(res, limit)) as unknown;
}

/**
 * The same response with a body that fails with BodyTooLargeError once it passes `limit` bytes: for
 * code that reads bodies itself (the MCP SDK's OAuth client calls `res.json()`).
 */
export function boundedResponse(res: Response, limit: number): Response {
  if (!res.body) return res;
  const from = origin(res.url);
  const declared = Number(res.headers.get('content-length'));
  const source = res.body.getReader();
  let size = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (Number.isFinite(declared) && declared > limit) {
        await source.cancel().catch(() => undefined);
        controller.error(new BodyTooLargeError(limit, from));
        return;
      }
      const { done, value } = await source.read();
      if (done) {
        controller.close();
        return;
      }
      size += value.length;
      if (size > limit) {
        await source.cancel().catch(() => undefined);
        controller.error(new BodyTooLargeError(limit, from));
        return;
      }
      controller.enqueue(value);
    },
    cancel: (reason) => source.cancel(reason),
  });
  const bounded = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(bounded, 'url', { value: res.url });
  Object.defineProperty(bounded, 'redirected', { value: res.redirected });
  return bounded;
}

/** `fetch` whose every response body is bounded by `limit` bytes. */
export function boundedFetch(limit: number, fetchFn: typeof fetch = fetch): typeof fetch {
  return async (input, init) => boundedResponse(await fetchFn(input, init), limit);
}
