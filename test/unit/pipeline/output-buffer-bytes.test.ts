import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../../lambdas/pipeline/outputs/output-buffer.js';

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

type Piece = { text: string } | { bytes: string };

describe('OutputBuffer with bytes and text mixed', () => {
  it('equals the concatenation of every piece, encoded, whatever the chunk size', () => {
    const unit = fc.constantFrom('a', ',', '\n', 'é', '€', '😀', '\uD83D', '\uDE00', 'x'.repeat(70));
    const piece = fc.oneof(
      fc.string({ unit, maxLength: 6 }).map((text): Piece => ({ text })),
      fc.string({ unit: fc.constantFrom('b', 'é', '😀'), maxLength: 6 }).map((bytes): Piece => ({ bytes })),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.integer({ min: 1, max: 300 }), (pieces, chunkBytes) => {
        const out = new OutputBuffer(chunkBytes);
        // A high surrogate that ends a text piece pairs with the next text piece; bytes end its wait.
        let expected = '';
        let pending = '';
        for (const p of pieces) {
          if ('text' in p) {
            out.write(p.text);
            pending += p.text;
          } else {
            out.writeBytes(Buffer.from(p.bytes, 'utf8'));
            expected += Buffer.from(pending, 'utf8').toString('latin1') + Buffer.from(p.bytes, 'utf8').toString('latin1');
            pending = '';
          }
        }
        const want = Buffer.from(expected + Buffer.from(pending, 'utf8').toString('latin1'), 'latin1');
        const file = out.finish('f', 'text/plain');
        const got = Buffer.concat(file.chunks);
        expect(got.equals(want)).toBe(true);
        expect(file.bytes).toBe(want.length);
        expect(file.sha256).toBe(sha256(want));
        for (const chunk of file.chunks.slice(0, -1)) expect(chunk.length).toBe(chunkBytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses bytes after finish', () => {
    const out = new OutputBuffer();
    out.finish('a', 'text/plain');
    expect(() => out.writeBytes(Buffer.from('x'))).toThrow('after finish');
  });
});
