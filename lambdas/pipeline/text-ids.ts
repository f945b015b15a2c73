/**
 * Dense ids for distinct strings, in order of first sight: the run looks one up per row (the
 * CUSIP group, a date's cached parse), millions of times over tens or hundreds of thousands of
 * distinct values.
 *
 * A `Map<string, number>` does that through several scattered memory reads (bucket, entry, the
 * stored key's characters); with 200,000 CUSIPs they miss the CPU caches and the lookups cost more
 * than all the parsing around them. Here a short Latin-1 key (up to 20 characters: a CUSIP, a
 * date-time) is packed into its hash slot itself, 4 characters per 32-bit word, so a lookup reads
 * one 32-byte slot and compares numbers. Packing is one-to-one for a given length, so equal slots
 * mean equal strings: no hash collision can merge two keys. Longer keys, or keys with characters
 * beyond U+00FF, go to a Map.
 */

import { compareText, detached } from './text.js';

const INLINE_CHARS = 20;
const WORDS = INLINE_CHARS / 4;
/** Slot layout, in 32-bit words: hash, id + 1 (0 = empty), length, then the packed characters. */
const SLOT = 3 + WORDS;
const MAX_LATIN1 = 0xff;

export class TextIds {
  readonly texts: string[] = [];
  private slots = new Int32Array(1024 * SLOT);
  private mask = 1023;
  private inline = 0;
  private readonly others = new Map<string, number>();
  // Scratch for the key being looked up, packed.
  private readonly words = new Int32Array(WORDS);

  get size(): number {
    return this.texts.length;
  }

  id(text: string): number {
    const length = text.length;
    if (length > INLINE_CHARS) return this.otherId(text);
    const words = this.words;
    for (let word = 0; word < WORDS; word++) words[word] = 0;
    for (let at = 0; at < length; at++) {
      const code = text.charCodeAt(at);
      if (code > MAX_LATIN1) return this.otherId(text);
      words[at >> 2] = words[at >> 2]! | (code << ((at & 3) << 3));
    }
    let hash = length;
    for (let word = 0; word < WORDS; word++) hash = Math.imul(hash ^ words[word]!, 0x9e3779b1) ^ (hash >>> 15);
    hash ^= hash >>> 13;
    const slots = this.slots;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const base = slot * SLOT;
      const entry = slots[base + 1]!;
      if (entry === 0) return this.insert(text, base, hash);
      if (slots[base] === hash && slots[base + 2] === length && this.sameWords(base)) return entry - 1;
    }
  }

  /** For each id, the rank of its text in UTF-16 code-unit order (the order `<` gives strings). */
  ranks(): Int32Array {
    const texts = this.texts;
    const ids = texts.map((_, id) => id).sort((a, b) => compareText(texts[a]!, texts[b]!));
    const ranks = new Int32Array(ids.length);
    ids.forEach((id, rank) => {
      ranks[id] = rank;
    });
    return ranks;
  }

  private sameWords(base: number): boolean {
    for (let word = 0; word < WORDS; word++) if (this.slots[base + 3 + word] !== this.words[word]) return false;
    return true;
  }

  private insert(text: string, base: number, hash: number): number {
    const id = this.texts.length;
    this.texts.push(detached(text));
    this.slots[base] = hash;
    this.slots[base + 1] = id + 1;
    this.slots[base + 2] = text.length;
    this.slots.set(this.words, base + 3);
    // At most half full, so probe runs stay short.
    if (++this.inline * 2 > this.mask + 1) this.grow();
    return id;
  }

  private grow(): void {
    const old = this.slots;
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array((this.mask + 1) * SLOT);
    for (let base = 0; base < old.length; base += SLOT) {
      if (old[base + 1] === 0) continue;
      let slot = old[base]! & this.mask;
      while (this.slots[slot * SLOT + 1] !== 0) slot = (slot + 1) & this.mask;
      this.slots.set(old.subarray(base, base + SLOT), slot * SLOT);
    }
  }

  private otherId(text: string): number {
    let id = this.others.get(text);
    if (id === undefined) {
      id = this.texts.length;
      const kept = detached(text);
      this.texts.push(kept);
      this.others.set(kept, id);
    }
    return id;
  }
}
