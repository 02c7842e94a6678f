// The agent's own files a render reads and writes: one file for most agents; for agents that load a
// folder of one-server blocks (Continue), one file per entry, plus the single file an older conn wrote.
import { lstatSync, readFileSync } from 'node:fs';
import { blockFilesIn } from './block-files.js';
import { join } from 'node:path';
import { OperationError } from '../errors.js';
import { MalformedFileError, type AgentWriter, type RenderedEntry } from './agents/index.js';

/** One file a render may write: its text now (null: none) and after (null: none, or deleted). */
export interface OutputFile {
  rel: string;
  existing: string | null;
  next: string | null;
}

export interface Outputs {
  /** The server names in the agent's files now, each with the files (relative to the repo) that hold it. */
  present: Map<string, string[]>;
  /** Single-file agents: the file's text now (null: no file). Block writers: undefined. */
  existing?: string | null;
  /** The files after setting `set` and removing `remove` (conn's own entries); unchanged ones keep their text. */
  merge(set: RenderedEntry[], remove: string[], staleDenyRules?: string[], staleInputs?: string[]): OutputFile[];
}

/**
 * Reads what the render merges into. Block writers: the block of every entry conn wrote or will
 * write, the legacy file, and (for name clashes only) every other `*.yaml` in the folder; a user's
 * block that cannot be read is no clash and is never written.
 */
export function readOutputs(root: string, writer: AgentWriter, names: { managed: Set<string>; wanted: Set<string> }): Outputs {
  if (!writer.blockFile) {
    const existing = readExisting(join(root, writer.file), writer.file);
    const present = new Map((existing === null ? [] : shallow(writer.file, () => writer.serverNames(existing))).map((n) => [n, [writer.file]]));
    return {
      present,
      existing,
      merge: (set, remove, rules, inputs) => [
        { rel: writer.file, existing, next: existing === null && set.length === 0 ? null : shallow(writer.file, () => writer.merge(existing, set, remove, rules, inputs)) },
      ],
    };
  }
  const blockFile = writer.blockFile;
  const texts = new Map<string, string | null>();
  const own = new Set([...names.managed, ...names.wanted].map(blockFile));
  if (writer.legacyFile) own.add(writer.legacyFile);
  for (const rel of own) texts.set(rel, readExisting(join(root, rel), rel));
  const present = new Map<string, string[]>();
  const note = (name: string, rel: string) => present.set(name, [...(present.get(name) ?? []), rel]);
  for (const [rel, text] of texts) if (text !== null) for (const n of namesIn(writer, rel, text)) note(n, rel);
  for (const file of blockFilesIn(join(root, writer.file))) {
    const rel = `${writer.file}/${file}`;
    if (own.has(rel)) continue;
    try {
      const text = readExisting(join(root, rel), rel);
      if (text !== null) for (const n of writer.serverNames(text)) note(n, rel);
    } catch {
      /* the user's own block, unreadable or malformed: Continue's to judge, not a clash of conn's */
    }
  }
  return {
    present,
    merge(set, remove) {
      const changes = new Map<string, { set: RenderedEntry[]; remove: string[] }>();
      const at = (rel: string) => changes.get(rel) ?? changes.set(rel, { set: [], remove: [] }).get(rel)!;
      for (const entry of set) {
        const rel = blockFile(entry.name);
        const taken = at(rel).set[0];
        if (taken) throw new OperationError(`the entries ${taken.name} and ${entry.name} would both be written to ${rel}`, `give one another key: conn edit NAME --key NEW`);
        at(rel).set.push(entry);
      }
      for (const name of remove) if (present.get(name)?.includes(blockFile(name))) at(blockFile(name)).remove.push(name);
      // The file an older conn wrote: every entry of conn's leaves it (the user's own items stay).
      const legacy = writer.legacyFile;
      const legacyText = legacy ? texts.get(legacy) : null;
      if (legacy && legacyText) {
        const held = namesIn(writer, legacy, legacyText).filter((n) => names.managed.has(n));
        if (held.length) at(legacy).remove.push(...held);
      }
      return [...changes].map(([rel, change]) => {
        const existing = texts.get(rel) ?? null;
        if (existing === null && change.set.length === 0) return { rel, existing, next: null };
        const merged = inFile(rel, () => writer.merge(existing, change.set, change.remove));
        return { rel, existing, next: merged !== existing && writer.isEmpty?.(merged) ? null : merged };
      });
    },
  };
}

function namesIn(writer: AgentWriter, rel: string, text: string): string[] {
  return inFile(rel, () => writer.serverNames(text));
}

/** Block writers: the writer names no file, so a parse error is renamed to the block it is in. */
function inFile<T>(rel: string, work: () => T): T {
  try {
    return shallow(rel, work);
  } catch (err) {
    if (err instanceof MalformedFileError && err.file !== rel) throw new MalformedFileError(rel, err.reason);
    throw err;
  }
}

/** Runs a parse or merge of an existing file; a nesting deep enough to exhaust the stack is a one-line refusal. */
export function shallow<T>(shown: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new OperationError(`${shown} is too deeply nested to read; it was left untouched`, 'flatten or move the file, or render for another agent');
    }
    throw err;
  }
}

export function readExisting(path: string, shown: string): string | null {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) throw new OperationError(`refusing to read ${shown}: it is a symlink`, 'replace it with a regular file');
    // A FIFO would block the read forever; a directory is no file to merge into.
    if (!st.isFile()) throw new OperationError(`refusing to use ${shown}: it is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`, 'move it away, or render for another agent');
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw new OperationError(`cannot write ${shown}: a parent of it is not a directory`, 'move that file away, or render for another agent');
    throw err;
  }
}
