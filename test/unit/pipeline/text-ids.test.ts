import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detached } from '../../../lambdas/pipeline/text.js';
import { TextIds } from '../../../lambdas/pipeline/text-ids.js';

// Short Latin-1 keys are packed into the hash table, others go to a Map: mix both, with near
// misses (a shared prefix, a trailing NUL, one more character) that packing must tell apart.
const unit = fc.constantFrom('A', 'a', '0', ' ', '\u0000', '\u00ff', '\u00e9', 'Ā', '€', '😀', '\uD800');
const key = fc.oneof(
  fc.string({ unit, maxLength: 4 }),
  fc.string({ unit: fc.constantFrom('A', 'B', '\u0000', '\u00ff'), minLength: 18, maxLength: 23 }),
  fc.string({ maxLength: 30 }),
);

describe('TextIds', () => {
  it('gives equal strings one id and different strings different ids, in order of first sight', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 300 }), (keys) => {
        const ids = new TextIds();
        const reference = new Map<string, number>();
        for (const text of keys) {
          if (!reference.has(text)) reference.set(text, reference.size);
          expect(ids.id(text)).toBe(reference.get(text));
        }
        expect(ids.size).toBe(reference.size);
        expect(ids.texts).toEqual([...reference.keys()]);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps ids stable as the table grows past many thousands of keys', () => {
    const ids = new TextIds();
    const keys = Array.from({ length: 50_000 }, (_, n) => `K${n.toString(36).toUpperCase()}`);
    const first = keys.map((text) => ids.id(text));
    const again = keys.map((text) => ids.id(text));
    expect(first).toEqual(keys.map((_, n) => n));
    expect(again).toEqual(first);
    expect(ids.id('K0 ')).toBe(keys.length);
  });

  it('ranks ids by UTF-16 code units, the order of <', () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 60 }), (keys) => {
        const ids = new TextIds();
        for (const text of keys) ids.id(text);
        const ranks = ids.ranks();
        const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        keys.forEach((text, id) => {
          expect(sorted[ranks[id]!]).toBe(text);
        });
      }),
    );
  });
});

describe('detached', () => {
  it('returns an equal string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.nat(40), (text, cut) => {
        const slice = text.slice(cut);
        expect(detached(slice)).toBe(slice);
      }),
    );
  });
});
