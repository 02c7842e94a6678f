// Placeholder until the probe lands (replaced by the real `conn test`).
import type { Deps } from '../deps.js';
import { OperationError } from '../errors.js';
export interface TestOptions { names: string[]; all: boolean; timeoutMs: number; tools: boolean }
export async function run(_opts: TestOptions, _deps: Deps): Promise<void> {
  throw new OperationError('conn test is not available yet');
}
