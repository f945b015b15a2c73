/**
 * UTF-8 decoding of a byte stream chunk by chunk, for the streaming readers: a character split
 * across chunks is carried over, and invalid bytes are marked so readers can reject exactly the
 * records concerned.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { SourceError } from '../../errors.js';

export interface DecodedText {
  readonly text: string;
  /** Offsets in `text` of each U+FFFD that stands for invalid bytes (empty for valid input). */
  readonly invalidAt: readonly number[];
}

/** The marks of valid text: none. One shared empty list, since most chunks are valid. */
export const NO_MARKS: readonly number[] = [];

/**
 * UTF-8 decoding of a byte stream, chunk by chunk. A character split across chunks is carried to
 * the next one. Invalid bytes decode to U+FFFD and their offsets are reported, so readers can
 * reject exactly the records concerned instead of passing altered text on silently (a U+FFFD that
 * is really in the input stays data). A leading BOM is dropped; a UTF-16 one fails the read with
 * a SourceError naming `source`, since every record would be rejected otherwise.
 */
export class Utf8ChunkDecoder {
  private carry: Buffer | undefined;
  private started = false;

  constructor(private readonly source = 'the input') {}

  decode(chunk: Uint8Array): DecodedText {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry) {
      bytes = Buffer.concat([this.carry, bytes]);
      this.carry = undefined;
    }
    if (!this.started) {
      if (bytes.length < 2 && (bytes[0] === 0xff || bytes[0] === 0xfe)) {
        // Half of what may be a UTF-16 byte order mark: wait for the next byte.
        this.carry = Buffer.from(bytes);
        return { text: '', invalidAt: NO_MARKS };
      }
      if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        throw new SourceError(`${this.source}: the input is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8`);
      }
    }
    const end = completeUtf8End(bytes);
    if (end < bytes.length) this.carry = Buffer.from(bytes.subarray(end));
    return this.text(bytes, end);
  }

  /** Whatever is left at the end of input: an incomplete character is invalid. */
  flush(): DecodedText {
    const rest = this.carry;
    this.carry = undefined;
    if (!rest) return { text: '', invalidAt: NO_MARKS };
    return this.text(rest, rest.length);
  }

  private text(bytes: Buffer, end: number): DecodedText {
    if (end === 0) return { text: '', invalidAt: NO_MARKS };
    const whole = bytes.subarray(0, end);
    // ASCII is its own Latin-1 decoding, which is a copy, several times faster than UTF-8's.
    let decoded = isAscii(whole)
      ? { text: bytes.toString('latin1', 0, end), invalidAt: NO_MARKS }
      : isUtf8(whole)
        ? { text: bytes.toString('utf8', 0, end), invalidAt: NO_MARKS }
        : decodeLossy(bytes, end);
    if (!this.started) {
      this.started = true;
      if (decoded.text.charCodeAt(0) === 0xfeff) {
        decoded = { text: decoded.text.slice(1), invalidAt: decoded.invalidAt.map((at) => at - 1) };
      }
    }
    return decoded;
  }
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  const cont = (at: number, low = 0x80, high = 0xbf): boolean => at < end && bytes[at]! >= low && bytes[at]! <= high;
  if (b >= 0xc2 && b <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const ok = b === 0xe0 ? cont(i + 1, 0xa0) : b === 0xed ? cont(i + 1, 0x80, 0x9f) : cont(i + 1);
    return ok && cont(i + 2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const ok = b === 0xf0 ? cont(i + 1, 0x90) : b === 0xf4 ? cont(i + 1, 0x80, 0x8f) : cont(i + 1);
    return ok && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/** Offset of the first byte that starts no valid UTF-8 character, or -1 when all are valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceLength(bytes, i, bytes.length);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

/** The slow path for a chunk known to be invalid: each invalid byte becomes one marked U+FFFD. */
function decodeLossy(bytes: Buffer, end: number): DecodedText {
  const parts: string[] = [];
  const invalidAt: number[] = [];
  let length = 0;
  let runStart = 0;
  for (let i = 0; i < end; ) {
    const n = sequenceLength(bytes, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    const run = bytes.toString('utf8', runStart, i);
    parts.push(run, '\uFFFD');
    length += run.length;
    invalidAt.push(length);
    length++;
    runStart = ++i;
  }
  parts.push(bytes.toString('utf8', runStart, end));
  return { text: parts.join(''), invalidAt };
}

/** Index just past the last complete UTF-8 character (a trailing invalid byte counts as complete). */
function completeUtf8End(bytes: Uint8Array): number {
  const length = bytes.length;
  let lead = length - 1;
  // Back over at most three continuation bytes to the last character's lead byte.
  while (lead >= 0 && lead > length - 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
  if (lead < 0) return length;
  const byte = bytes[lead]!;
  const needed = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xc2 && byte < 0xe0 ? 2 : 1;
  return lead + needed > length ? lead : length;
}
