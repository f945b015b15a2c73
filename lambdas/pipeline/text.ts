/**
 * Text conventions the whole pipeline shares, written once: how text compares (docs/rules.md,
 * "Text"), the one fixed order strings sort by, UTF-8 sizes, and the lexemes of JSON that both
 * JSON readers (the config document and JSON Lines input) scan.
 */

/**
 * Text as rules, ranking keys and the CUSIP grouping compare it: surrounding spaces ignored,
 * case-insensitive (`' smbc'` and `'SMBC'` are one value).
 */
export function normalizeText(text: string): string {
  return text.trim().toUpperCase();
}

/** Compares two strings by UTF-16 code units, as `<` does: fixed and locale-independent. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A copy of `text` that shares no memory with the text it was cut from. V8 keeps a slice of 13 or
 * more characters as a view into its parent, here a decoded ~1 MiB chunk of input, so a field kept
 * after its chunk is parsed (a table's key, a rejected row's raw values) would keep the whole chunk
 * alive: on a million-row run, most of the input.
 */
export function detached(text: string): string {
  return text.length < 13 ? text : `${text} `.slice(0, -1);
}

export const MIB = 1024 * 1024;

/**
 * UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units), so a
 * string of n units fits in 3n bytes.
 */
export const MAX_UTF8_BYTES_PER_UNIT = 3;

/** A JSON number (RFC 8259), matched where `lastIndex` says. */
const JSON_NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** The JSON number that starts at `at`, as written; undefined when none does. */
export function jsonNumberAt(text: string, at: number): string | undefined {
  JSON_NUMBER.lastIndex = at;
  return JSON_NUMBER.exec(text)?.[0];
}

const JSON_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const HEX4 = /^[0-9a-fA-F]{4}$/;

/**
 * The JSON string escape whose backslash is at `at`: the text it stands for and how many
 * characters it takes (`\n`: 2, `\u00e9`: 6); undefined when it is not a valid escape. A `\u`
 * escape is one UTF-16 code unit, so a pair of them makes one astral character.
 */
export function jsonEscapeAt(text: string, at: number): { readonly value: string; readonly length: number } | undefined {
  const marker = text[at + 1];
  if (marker === 'u') {
    const hex = text.slice(at + 2, at + 6);
    return HEX4.test(hex) ? { value: String.fromCharCode(parseInt(hex, 16)), length: 6 } : undefined;
  }
  const value = marker === undefined ? undefined : JSON_ESCAPES[marker];
  return value === undefined ? undefined : { value, length: 2 };
}
