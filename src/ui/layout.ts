// Human layout: tables and wrapped text measured by display width (string-width) and wrapped at word
// boundaries (wrap-ansi). Kept apart from io.ts so the fast paths that do not lay out tables (the
// hook's render) do not load these libraries.
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/** The terminal's width when stdout is one (tables wrap to it); undefined when piped (no wrapping). */
export function terminalWidth(): number | undefined {
  return process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : undefined;
}

/**
 * Left-aligned columns for human tables, measured by display width (string-width: wide and combining
 * characters, colour codes). On a terminal narrower than the table, the last column is wrapped at word
 * boundaries (wrap-ansi) with its continuation lines indented under it, instead of the terminal
 * breaking words at its edge.
 */
export function table(rows: string[][], gap = 2, width: number | undefined = terminalWidth()): string {
  if (rows.length === 0) return '';
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, stringWidth(cell))));
  return rows
    .map((row) => {
      const last = row.length - 1;
      const head = row.slice(0, last).map((cell, i) => cell + ' '.repeat(widths[i]! - stringWidth(cell) + gap)).join('');
      const indent = stringWidth(head);
      const cell = row[last] ?? '';
      // Below 20 columns for the last cell, wrapping helps nobody: leave it to the terminal.
      if (width === undefined || indent + stringWidth(cell) <= width || width - indent < 20) return (head + cell).trimEnd();
      const lines = wrapAnsi(cell, width - indent - 1, { hard: true, trim: true }).split('\n');
      return [head + lines[0], ...lines.slice(1).map((l) => ' '.repeat(indent) + l)].map((l) => l.trimEnd()).join('\n');
    })
    .join('\n');
}

/** Text wrapped at word boundaries to the terminal (as is when piped), every line indented by `indent`. */
export function wrapText(text: string, indent = 0, width: number | undefined = terminalWidth()): string {
  const pad = ' '.repeat(indent);
  if (width === undefined || width - indent < 20) return pad + text;
  return wrapAnsi(text, width - indent - 1, { hard: true, trim: true })
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}
