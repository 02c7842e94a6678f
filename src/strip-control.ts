// Text that comes from a server (its name, version, tool names, stderr, error messages) is untrusted:
// an escape sequence in it could recolour, move the cursor, retitle or clear the user's terminal, and
// a bidi override could make one name read as another. Every place that prints or records such text
// passes it through stripControl first.

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), other two-character ESC sequences, and their
// 8-bit C1 forms.
const SEQUENCES = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[@-Z\\-_]/g;
// C0 and C1 controls (tab and newline handled apart), DEL, and the bidi embedding/override/isolate marks.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The text with escape sequences and control characters removed; a tab becomes a space; newlines stay only with `keepNewlines`. */
export function stripControl(text: string, opts: { keepNewlines?: boolean } = {}): string {
  const out = text.replace(SEQUENCES, '').replace(CONTROLS, '').replace(/\t/g, ' ');
  return opts.keepNewlines ? out : out.replace(/\n/g, ' ');
}
