import { spawn } from 'node:child_process';

/**
 * Opens `url` in the user's browser with the platform's opener, given as an argument (never through
 * a shell, so nothing in the URL is interpreted). Resolves false when no opener could be started.
 */
export function openBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return Promise.resolve(false);
  const [command, args]: [string, string[]] =
    platform === 'darwin'
      ? ['open', [parsed.href]]
      : platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', parsed.href]]
        : ['xdg-open', [parsed.href]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, shell: false });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
