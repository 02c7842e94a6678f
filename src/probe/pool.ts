// Probing many connections at once: the run takes about as long as the slowest one.
import { availableParallelism } from 'node:os';
import type { LaunchSpec } from '../launch/types.js';
import type { ProbeResult } from './probe.js';

export interface ProbeItem {
  name: string;
  spec: LaunchSpec;
}

export interface ProbeAllOptions {
  timeoutMs: number;
  /** At most this many probes at once (default: max(4, 2 × CPUs)). */
  concurrency?: number;
  signal?: AbortSignal;
  graceMs?: number;
  onStart?(name: string): void;
  onDone?(name: string, result: ProbeResult): void;
}

export function defaultConcurrency(): number {
  return Math.max(4, availableParallelism() * 2);
}

/** Probes every item, at most `concurrency` at a time; results in input order. Never rejects. */
export async function probeAll(items: ProbeItem[], opts: ProbeAllOptions): Promise<ProbeResult[]> {
  // The SDK is heavy: loaded only when there is something to probe.
  const { probe } = await import('./probe.js');
  const results: ProbeResult[] = new Array(items.length);
  const limit = Math.max(1, Math.min(opts.concurrency ?? defaultConcurrency(), items.length));
  let next = 0;
  async function worker(): Promise<void> {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i]!;
      opts.onStart?.(item.name);
      let result: ProbeResult;
      try {
        result = await probe(item.spec, { timeoutMs: opts.timeoutMs, signal: opts.signal, graceMs: opts.graceMs });
      } catch (err) {
        result = { status: 'error', tools: [], latencyMs: 0, error: `unexpected error: ${err instanceof Error ? err.message : String(err)}` };
      }
      results[i] = result;
      opts.onDone?.(item.name, result);
    }
  }
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
