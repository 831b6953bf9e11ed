/**
 * Code points a terminal acts on instead of printing: C0 controls (ESC starts cursor
 * and erase sequences, CR returns to the start of the line), DEL, C1 controls (U+009B
 * is a one-byte CSI), line and paragraph separators, and the bidirectional controls
 * that reorder what follows (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C).
 * Printed raw from a credential, a list or a policy, they could erase "NOT VERIFIED"
 * and write "VERIFIED" in its place.
 */
function isTerminalControl(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** Line feed, tab, and a CR that ends a line (CRLF): layout a block of output may keep; a lone CR is not. */
function isLayout(code: number, next: number): boolean {
  return code === 0x0a || code === 0x09 || (code === 0x0d && next === 0x0a);
}

const NAMED: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r' };

function escapeCode(code: number): string {
  return NAMED[code] ?? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function escapeControls(text: string, keepLayout: boolean): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isTerminalControl(code) || (keepLayout && isLayout(code, text.charCodeAt(i + 1)))) continue;
    out += text.slice(start, i) + escapeCode(code);
    start = i + 1;
  }
  return start === 0 ? text : out + text.slice(start);
}

/**
 * One value from outside (a name, a DID, an error message quoting input) made safe to
 * print on a terminal: every control character, newlines included, becomes a visible
 * escape such as `\u001B`, `\r` or `\u202E`, so the value stays on its own line and
 * cannot move the cursor. Every human printer of the CLI passes such values through it.
 *
 * @example
 * ```ts
 * lines.push(`  issuer      ${escapeForTerminal(result.issuer)}`);
 * ```
 */
export function escapeForTerminal(value: string): string {
  return escapeControls(value, false);
}

/**
 * A whole block of human output made safe to print: like {@link escapeForTerminal}
 * but line breaks (LF, CRLF) and tabs are kept, since the block's own layout uses them
 * (`wallet show` prints a credential as received); a CR that does not end a line is
 * escaped. `printResult` and
 * the error reporter apply it to everything they print, as a second line of defence
 * behind the escaping of each value.
 */
export function escapeOutputBlock(text: string): string {
  return escapeControls(text, true);
}

/**
 * JSON text (as `JSON.stringify` writes it) made safe to print: `JSON.stringify` already
 * escapes C0 controls, but leaves DEL, C1 controls, line separators and bidi controls
 * raw. They can only stand inside strings, where `\uXXXX` means the same character, so
 * the parsed value is unchanged.
 *
 * @example
 * ```ts
 * io.stdout(`${escapeJsonForTerminal(JSON.stringify(result, null, 2))}\n`);
 * ```
 */
export function escapeJsonForTerminal(json: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code < 0x7f || !isTerminalControl(code)) continue;
    out += `${json.slice(start, i)}\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    start = i + 1;
  }
  return start === 0 ? json : out + json.slice(start);
}
