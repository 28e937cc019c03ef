/**
 * Text written by someone else (PR titles, check names, comments, log lines) made inert before a
 * terminal sees it. A terminal acts on control characters: ESC starts sequences that set the
 * window title (OSC), clear the screen, move the cursor or recolour what follows (CSI, SGR); CR
 * overwrites a line; C1 characters such as U+009B are CSI on their own; bidirectional controls
 * (U+202E) reorder what is shown. Each such character is replaced by a visible escape (`\x1b`,
 * `\u202e`), so nothing is lost from sight and nothing acts. Pure.
 */

/**
 * C0 controls, DEL, C1 controls, the bidirectional marks, embeddings, overrides and isolates,
 * and the Unicode line and paragraph separators.
 */
/* eslint-disable no-control-regex -- these patterns exist to find control characters */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
/** The same, but newline and tab stay: a block of several lines. */
const UNSAFE_IN_BLOCK =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
/* eslint-enable no-control-regex */

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of untrusted text (a table cell, a title): every control escaped, newlines too. */
export function inert(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** Several lines of text: newlines and tabs stay, every other control is escaped. */
export function inertBlock(text: string): string {
  return text.replace(UNSAFE_IN_BLOCK, escape);
}

/**
 * JSON text for a terminal, with its data kept: JSON.stringify escapes C0 controls in strings
 * but leaves DEL, C1 and the bidirectional controls raw; as `\uXXXX` they parse back to the
 * same strings and do nothing on a screen.
 */
export function inertJson(json: string): string {
  return json.replace(
    UNSAFE_IN_BLOCK,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
