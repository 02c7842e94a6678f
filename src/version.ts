// conn's own version, from package.json (the bundler inlines it): what conn tells MCP servers and
// OAuth servers it is.
import pkg from '../package.json' with { type: 'json' };

export const CONN_VERSION: string = pkg.version;
