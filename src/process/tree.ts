// A started server's process tree: who belongs to it, whether any of it lives, and stopping all of it.
// A server is spawned as the leader of its own process group, but the group is not the whole tree: a
// child started detached (a browser, a daemon) gets a group and a session of its own. So the tree is
// the group, plus every descendant found by walking parent links in /proc, plus every process that
// carries the server's tag in its environment (inherited even by a double-forked daemon whose parent
// is gone). Linux only for the walk; elsewhere the group is all we know.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const IS_WINDOWS = process.platform === 'win32';
const IS_LINUX = process.platform === 'linux';

/** The environment variable each spawned server (and so its whole tree) carries: see `spawnServer`. */
export const TREE_TAG_VAR = 'CONN_PROCESS_TAG';

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

interface Stat {
  state: string;
  ppid: number;
  pgrp: number;
}

/** Linux keeps dead-but-unreaped processes (zombies) visible to kill(0): they are gone for us. */
function procStat(pid: number): Stat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

function procPids(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(entry));
  }
  return pids;
}

function hasTag(pid: number, needle: string): boolean {
  try {
    // Only our own processes are readable; for the rest this throws (EACCES) and they are not ours.
    return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle);
  } catch {
    return false;
  }
}

/** True while the process exists and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
  if (IS_LINUX) {
    const stat = procStat(pid);
    return stat !== undefined && stat.state !== 'Z';
  }
  return true;
}

/** True while any live (non-zombie) process remains in the group led by `pgid`. */
export function isGroupAlive(pgid: number): boolean {
  if (IS_WINDOWS) return isProcessAlive(pgid);
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
  if (!IS_LINUX) return true;
  for (const pid of procPids()) {
    const stat = procStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') return true;
  }
  return false;
}

/** One server's tree: the group it leads and, on Linux, the tag its processes carry. */
export interface Tree {
  /** The leader's PID = the process group id. */
  pgid: number;
  /** The value of TREE_TAG_VAR in the server's environment. */
  tag?: string;
}

/**
 * Every live process of the tree, the leader included: members of its group, their descendants (by
 * parent links, whatever group or session they moved to) and processes carrying its tag.
 */
export function treeMembers(tree: Tree): number[] {
  if (!IS_LINUX) return isGroupAlive(tree.pgid) ? [tree.pgid] : [];
  const needle = tree.tag ? `${TREE_TAG_VAR}=${tree.tag}\0` : undefined;
  const stats = new Map<number, Stat>();
  for (const pid of procPids()) {
    const stat = procStat(pid);
    if (stat && stat.state !== 'Z') stats.set(pid, stat);
  }
  const members = new Set<number>();
  for (const [pid, stat] of stats) {
    if (stat.pgrp === tree.pgid || pid === tree.pgid) members.add(pid);
    else if (needle && pid !== process.pid && hasTag(pid, needle)) members.add(pid);
  }
  // Descendants of any member, to a fixed point (a detached child of a child of the leader…).
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, stat] of stats) {
      if (!members.has(pid) && members.has(stat.ppid)) {
        members.add(pid);
        grew = true;
      }
    }
  }
  members.delete(process.pid);
  return [...members];
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (IS_WINDOWS) {
    // No process groups: taskkill walks the tree instead (always forceful).
    spawnSync('taskkill', ['/pid', String(pgid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    return;
  }
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/** Signals the group and every other member found: synchronous, for exit and signal handlers too. */
export function signalTree(tree: Tree, signal: NodeJS.Signals, members = treeMembers(tree)): number[] {
  signalGroup(tree.pgid, signal);
  for (const pid of members) signalPid(pid, signal);
  return members;
}

async function pollUntil(condition: () => boolean, limitMs: number, everyMs = 15): Promise<boolean> {
  const end = Date.now() + limitMs;
  // Short naps first: a server told to stop is usually gone within a few ms, and whoever waits
  // for it (an agent closing `conn serve`) should not wait a whole interval more.
  for (let nap = 1; !condition(); nap = Math.min(nap * 2, everyMs)) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, nap));
  }
  return true;
}

export const DEFAULT_GRACE_MS = 2000;

/**
 * SIGTERM to the whole tree, then SIGKILL to whatever of it is still alive after `graceMs`.
 * The members are found before anything is signalled: once the leader is gone, its detached
 * children are re-parented and only their tag still ties them to it. Resolves once all are gone
 * (or, after SIGKILL, 2 s at most).
 */
export async function stopTree(tree: Tree, graceMs = DEFAULT_GRACE_MS): Promise<void> {
  const members = treeMembers(tree);
  const anyAlive = () => isGroupAlive(tree.pgid) || members.some(isProcessAlive);
  if (members.length === 0 && !isGroupAlive(tree.pgid)) return;
  signalTree(tree, 'SIGTERM', members);
  if (await pollUntil(() => !anyAlive(), graceMs)) return;
  // Anything it started meanwhile counts too.
  for (const pid of treeMembers(tree)) if (!members.includes(pid)) members.push(pid);
  signalTree(tree, 'SIGKILL', members);
  await pollUntil(() => !anyAlive(), 2000);
}
