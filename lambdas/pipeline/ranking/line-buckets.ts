/**
 * Buckets of CUSIP keys, numbered in the order the ranking's groups come out (table.ts: by key,
 * in UTF-16 code-unit order), from a key's first two characters. A reading thread lays out each
 * piece's lines bucket by bucket (prepared-rows.ts), so that the lines of a run of consecutive
 * groups sit together in every piece: rendering them in ranked order reads a few nearby stretches
 * of each piece rather than all of it, and lines spilled to disk (spilled-chunks.ts) are read back
 * a run of buckets at a time.
 *
 * Monotonic: a key that sorts before another never has a higher bucket. Digits and letters (a
 * CUSIP's characters) each have a symbol of their own, and then the second character counts too;
 * every other range of characters shares one symbol and the second character is ignored, which
 * keeps the order without a bucket for each of 65,536 code units.
 */

/** Symbols per character: none (a one-character key), 4 shared ranges, 10 digits, 26 letters. */
const SYMBOLS = 41;
export const BUCKETS = SYMBOLS * SYMBOLS;

const NO_CHARACTER = 0;
const BELOW_DIGITS = 1; // U+0000–U+002F
const FIRST_DIGIT = 2; // '0'…'9': 2–11
const BETWEEN = 12; // U+003A–U+0040
const FIRST_LETTER = 13; // 'A'…'Z': 13–38
const ABOVE_LETTERS = 39; // U+005B–U+00FF
const BEYOND_LATIN1 = 40; // U+0100 on

/** The symbol of a code unit, and whether it is a character's own (so the next character counts). */
function symbol(code: number): number {
  if (code < 0x30) return BELOW_DIGITS;
  if (code <= 0x39) return FIRST_DIGIT + code - 0x30;
  if (code < 0x41) return BETWEEN;
  if (code <= 0x5a) return FIRST_LETTER + code - 0x41;
  return code <= 0xff ? ABOVE_LETTERS : BEYOND_LATIN1;
}

function ownSymbol(symbol: number): boolean {
  return (symbol >= FIRST_DIGIT && symbol < BETWEEN) || (symbol >= FIRST_LETTER && symbol < ABOVE_LETTERS);
}

/** The bucket of a (normalized) CUSIP key, 0 … BUCKETS - 1. */
export function bucketOf(key: string): number {
  if (key.length === 0) return 0;
  const first = symbol(key.charCodeAt(0));
  if (!ownSymbol(first)) return first * SYMBOLS;
  return first * SYMBOLS + (key.length > 1 ? symbol(key.charCodeAt(1)) : NO_CHARACTER);
}
