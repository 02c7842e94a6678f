// The process-wide registry of server trees started here and not yet seen gone: on exit they are
// SIGKILLed, on SIGINT/SIGTERM stopped (TERM, a short wait, KILL) before the signal takes its course.
import { isGroupAlive, isProcessAlive, signalTree, treeMembers, type Tree } from './tree.js';

const live = new Map<number, Tree>();

function exitHandler(): void {
  for (const tree of live.values()) signalTree(tree, 'SIGKILL');
  live.clear();
}

function signalHandler(signal: NodeJS.Signals): void {
  // Synchronous on purpose: after this handler the process may be gone.
  const members = [...live.values()].map((tree) => ({ tree, pids: signalTree(tree, 'SIGTERM') }));
  const end = Date.now() + 300;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const anyAlive = () => members.some(({ tree, pids }) => isGroupAlive(tree.pgid) || pids.some(isProcessAlive));
  while (Date.now() < end && anyAlive()) Atomics.wait(nap, 0, 0, 10);
  for (const { tree, pids } of members) signalTree(tree, 'SIGKILL', [...new Set([...pids, ...treeMembers(tree)])]);
  live.clear();
  if (process.listenerCount(signal) === 1) {
    // We were the only listener, so Node's default (die by the signal) was suppressed: restore it.
    uninstallHandlers();
    process.kill(process.pid, signal);
  }
  // Otherwise another listener (the CLI, `conn serve`) decides how to exit.
}

let handlersInstalled = false;
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', exitHandler);
  process.on('SIGINT', signalHandler);
  process.on('SIGTERM', signalHandler);
}
function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('exit', exitHandler);
  process.off('SIGINT', signalHandler);
  process.off('SIGTERM', signalHandler);
}

export function registerTree(tree: Tree): void {
  live.set(tree.pgid, tree);
  installHandlers();
}

export function unregisterTree(pgid: number): void {
  live.delete(pgid);
  if (live.size === 0) uninstallHandlers();
}

/** Process groups started here and not yet confirmed gone (for diagnostics and tests). */
export function liveProcessGroups(): number[] {
  return [...live.keys()];
}
