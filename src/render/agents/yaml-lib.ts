// The YAML library, loaded only when a YAML writer (Continue, Goose) is used: requiring it costs more
// than a whole render of a JSON agent, and render.cjs (the hook's path after a change) must not pay
// that for every agent. Dynamic import: the bundles require it from node_modules on first use.
type Yaml = typeof import('yaml');
let lib: Yaml | undefined;

export async function loadYaml(): Promise<void> {
  if (lib) return;
  const mod = (await import('yaml')) as Yaml & { default?: Yaml };
  // Bundled as CommonJS, the namespace may hold the exports under `default` only.
  lib = typeof mod.parseDocument === 'function' ? mod : mod.default!;
}

/** The library, once `loadYaml()` has resolved (writers with `load` are loaded by their callers first). */
export function yaml(): Yaml {
  if (!lib) throw new Error('internal: call the writer\'s load() before using it');
  return lib;
}
