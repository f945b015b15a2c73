import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTPUT_CHUNK_BYTES, OutputBuffer } from '../../../lambdas/pipeline/outputs/output-buffer.js';

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('OutputBuffer', () => {
  it('reports the SHA-256 and byte size of everything written', () => {
    const out = new OutputBuffer();
    out.write('MESSAGE_ID,CUSIP\n');
    out.write('1,€\n');
    const file = out.finish('colors.csv', 'text/csv; charset=utf-8');
    const expected = 'MESSAGE_ID,CUSIP\n1,€\n';
    expect(file.name).toBe('colors.csv');
    expect(file.contentType).toBe('text/csv; charset=utf-8');
    expect(file.bytes).toBe(Buffer.byteLength(expected));
    expect(file.sha256).toBe(sha256(expected));
    expect(Buffer.concat(file.chunks).toString('utf8')).toBe(expected);
  });

  it('hashes an empty file like the empty string', () => {
    const file = new OutputBuffer().finish('empty.csv', 'text/csv');
    expect(file.bytes).toBe(0);
    expect(file.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(Buffer.concat(file.chunks).length).toBe(0);
  });

  it('splits large output into chunks of about 1 MiB, not one giant buffer', () => {
    const out = new OutputBuffer();
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 30_000; i++) out.write(line);
    const file = out.finish('big.csv', 'text/csv');
    expect(file.bytes).toBe(3_000_000);
    expect(file.chunks.length).toBe(3);
    for (const chunk of file.chunks.slice(0, -1)) {
      expect(chunk.length).toBeGreaterThanOrEqual(OUTPUT_CHUNK_BYTES);
      expect(chunk.length).toBeLessThan(OUTPUT_CHUNK_BYTES + 200);
    }
    const whole = Buffer.concat(file.chunks);
    expect(file.sha256).toBe(sha256(whole));
    expect(whole.equals(Buffer.from(line.repeat(30_000)))).toBe(true);
  });

  it('equals hashing the concatenation for any writes, with surrogate pairs cut across writes and chunks', () => {
    const piece = fc.string({ unit: fc.constantFrom('a', ',', '\n', 'é', '€', '😀', '\uD83D', '\uDE00'), maxLength: 7 });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.integer({ min: 1, max: 9 }), (pieces, chunkChars) => {
        const out = new OutputBuffer(chunkChars);
        for (const text of pieces) out.write(text);
        const file = out.finish('f', 'text/plain');
        const whole = pieces.join('');
        const expected = Buffer.from(whole, 'utf8');
        expect(Buffer.concat(file.chunks).equals(expected)).toBe(true);
        expect(file.bytes).toBe(expected.length);
        expect(file.sha256).toBe(sha256(expected));
      }),
      { numRuns: 2000 },
    );
  });

  it('counts pending bytes and refuses writes after finish', () => {
    const out = new OutputBuffer();
    out.write('日本');
    expect(out.bytes).toBe(6);
    out.finish('a', 'text/plain');
    expect(() => out.write('x')).toThrow('after finish');
    expect(() => out.finish('a', 'text/plain')).toThrow('twice');
  });
});
