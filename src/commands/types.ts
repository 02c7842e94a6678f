import type { Command } from 'commander';
import type { Deps, DepsOptions } from '../deps.js';

/** Builds the side-effect bundle for a command once its output flags (--json, --quiet) are known. */
export type DepsFactory = (opts?: DepsOptions) => Promise<Deps>;

export interface CommandModule {
  register(program: Command, deps: DepsFactory): void;
}
