/** What storableText changes: control characters (CR included) and, in u-mode, only lone surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const needsCleaning = /[\0-\x08\x0b-\x1f\x7f\ud800-\udfff]/u

/**
 * Makes text safe to store: control characters other than tab and newline are dropped (PostgreSQL
 * cannot store NUL, and search snippets use \u0001/\u0002 as match markers), line ends become \n,
 * and lone surrogates (not valid UTF-8) become U+FFFD.
 */
export function storableText(text: string): string {
  // Most text has nothing to change: one scan instead of a new string built character by character.
  if (!needsCleaning.test(text)) return text
  let out = ''
  for (const char of text.replace(/\r\n?/g, '\n')) {
    const code = char.codePointAt(0)!
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a) || code === 0x7f) continue
    out += code >= 0xd800 && code <= 0xdfff ? '\uFFFD' : char
  }
  return out
}

/** Nothing a reader would see: spaces and invisible format characters (zero-width space, joiners, marks). */
export const invisible = /^[\p{White_Space}\p{Cf}]*$/u
