// `import --rewrite` removes entries under each agent's own server key, the one its writer writes:
// a writer whose key changes takes the rewrite with it (no second list of keys to forget).
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../src/adopt/source-names.js';
import { renderAgentFor, withoutEntries } from '../../src/adopt/rewrite.js';
import { writerFor } from '../../src/render/agents/index.js';

const jsonSources = SOURCES.filter((s) => {
  const agent = renderAgentFor(s);
  return agent !== undefined && writerFor(agent).serversKey !== undefined;
});

describe('withoutEntries uses the writer\'s server key', () => {
  it('covers the JSON agents', () => {
    expect(jsonSources.length).toBeGreaterThanOrEqual(15);
    expect(jsonSources).toEqual(expect.arrayContaining(['claude-code', 'vscode', 'opencode', 'amp', 'zed', 'crush', 'kilo']));
  });

  it.each(jsonSources)('%s: the imported entry goes, the user\'s stays', (source) => {
    const writer = writerFor(renderAgentFor(source)!);
    const text = `${JSON.stringify({ keep: 1, [writer.serversKey!]: { imported: { command: 'a' }, mine: { command: 'b' } } }, null, 2)}\n`;
    expect(writer.serverNames(text).sort()).toEqual(['imported', 'mine']);
    const out = withoutEntries(text, source, ['imported'], writer.file);
    expect(writer.serverNames(out)).toEqual(['mine']);
    expect(JSON.parse(out).keep).toBe(1);
  });
});
