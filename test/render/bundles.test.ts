// The bundles an agent or the shell hook waits for carry no code they never run: deps carries the
// prompter, and bundling @inquirer/prompts into dist/render.cjs (a megabyte, parsed on every changed
// render) doubled the writing render's time. They require it from node_modules if ever asked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/world.js';

const MARKER = 'ExitPromptError'; // @inquirer/core's error class name

describe('dist bundles', () => {
  it('keep the prompt library out of dist/render.cjs and dist/serve.cjs', () => {
    // The marker is real: the prompt library's own code holds it.
    expect(readFileSync(join(ROOT, 'node_modules/@inquirer/core/dist/esm/lib/errors.js'), 'utf8')).toContain(`class ${MARKER}`);
    for (const bundle of ['render.cjs', 'serve.cjs']) {
      const text = readFileSync(join(ROOT, 'dist', bundle), 'utf8');
      // (conn's own code names the class only in a string comparison.)
      expect(text.includes(`class ${MARKER}`), bundle).toBe(false);
    }
  });
});
