import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OUTPUT_CHUNK_BYTES } from '../../../lambdas/pipeline/outputs/output-buffer.js';
import { digestFile, streamFile } from '../../../lambdas/pipeline/outputs/stream-file.js';
import type { DataFile, OutputWriter } from '../../../lambdas/pipeline/ports.js';

const PIECE = 300 * 1024;
const PIECES = 20;

/** A file of PIECES pieces of PIECE bytes each, counting what it has rendered and whether it was ended early. */
function countingFile(pieces = PIECES) {
  const state = { rendered: 0, closed: false };
  const file: DataFile = {
    name: 'big.csv',
    contentType: 'text/csv',
    *render(out: OutputWriter) {
      try {
        for (let piece = 0; piece < pieces; piece++) {
          out.write(String.fromCharCode(97 + (piece % 26)).repeat(PIECE));
          state.rendered += PIECE;
          yield;
        }
      } finally {
        state.closed = true;
      }
    },
  };
  return { file, state };
}

describe('streamFile', () => {
  it('hands each chunk over before rendering far ahead, and sizes and hashes the whole file', async () => {
    const { file, state } = countingFile();
    const taken: Buffer[] = [];
    let takenBytes = 0;
    const written = await streamFile(
      file,
      async (chunk) => {
        // What is rendered but not yet taken never exceeds one chunk plus one piece.
        expect(state.rendered - takenBytes).toBeLessThanOrEqual(OUTPUT_CHUNK_BYTES + PIECE);
        taken.push(chunk);
        takenBytes += chunk.length;
      },
      [],
    );
    const whole = Buffer.concat(taken);
    expect(taken.length).toBeGreaterThan(5);
    expect(written).toEqual({
      name: 'big.csv',
      contentType: 'text/csv',
      bytes: PIECE * PIECES,
      sha256: createHash('sha256').update(whole).digest('hex'),
    });
    expect(digestFile(countingFile().file, [])).toEqual(written);
  });

  it('fills a chunk handed back again, and only one handed back', async () => {
    const { file } = countingFile(3 * PIECES);
    const copies: Buffer[] = [];
    const seen = new Set<Buffer>();
    let reused = 0;
    const held: (() => void)[] = [];
    const kept: [Buffer, Buffer][] = [];
    const written = await streamFile(
      file,
      async (chunk, done) => {
        if (seen.has(chunk)) reused++;
        seen.add(chunk);
        copies.push(Buffer.from(chunk));
        // Every other chunk is handed back two chunks later (written out by then); the others are kept.
        if (copies.length % 2 === 0) held.push(done);
        else kept.push([chunk, copies.at(-1)!]);
        if (held.length > 1) held.shift()!();
      },
      [],
    );
    // A chunk never handed back still holds what it held when taken.
    for (const [chunk, copy] of kept) expect(chunk.equals(copy)).toBe(true);
    const whole = Buffer.concat(copies);
    expect(whole.length).toBe(3 * PIECE * PIECES);
    expect(createHash('sha256').update(whole).digest('hex')).toBe(written.sha256);
    expect(written).toEqual(digestFile(countingFile(3 * PIECES).file, []));
    // Chunks handed back were filled again; the ones kept were not.
    expect(reused).toBeGreaterThan(0);
    expect(seen.size).toBeLessThan(copies.length);
    expect(seen.size).toBeGreaterThan(copies.length / 2);
  });

  it('stops rendering when the sink fails, and says why', async () => {
    const { file, state } = countingFile();
    let takes = 0;
    const failing = streamFile(file, async () => {
      if (++takes === 2) throw new Error('disk full');
    }, []);
    await expect(failing).rejects.toThrow('disk full');
    expect(state.closed).toBe(true);
    expect(state.rendered).toBeLessThan(PIECE * PIECES);
  });
});
