/**
 * createDurably (lambdas/adapters/fs-pointer.ts) writes a file's chunks a few at once, each at its
 * own offset: the file must hold the chunks in order however the writes finish, be synced only
 * after every write, and fail as a whole when one write fails, never with a write left behind.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDurably } from '../../../lambdas/adapters/fs-pointer.js';
import { fsFaults } from '../../helpers/fs-faults.js';

vi.mock('node:fs/promises', async (original) => (await import('../../helpers/fs-faults.js')).withFaults(await original()));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'create-durably-'));
});
beforeEach(() => fsFaults.reset(dir));
afterAll(async () => {
  fsFaults.reset('');
  await rm(dir, { recursive: true, force: true });
});

/** Twelve chunks of different sizes and contents. */
const chunks = Array.from({ length: 12 }, (_, index) => Buffer.alloc(1000 + index * 777, String.fromCharCode(0x61 + index)));

describe('createDurably', () => {
  it('holds the chunks in order when later writes finish first, and syncs after the last', async () => {
    const path = join(dir, 'ordered.bin');
    // The first writes are slow, so the ones after them finish first.
    fsFaults.inject({ when: (call) => call.op === 'write' && call.index <= 3, fault: { delayMs: 40 } });
    const result = await createDurably(path, async (write) => {
      for (const chunk of chunks) await write(chunk);
      return 'filled';
    });
    expect(result).toBe('filled');
    expect((await readFile(path)).equals(Buffer.concat(chunks))).toBe(true);
    const ops = fsFaults.calls.filter((call) => call.path === path).map((call) => call.op);
    expect(ops.filter((op) => op === 'write')).toHaveLength(chunks.length);
    expect(ops.at(-1)).toBe('fsync');
    expect(ops.filter((op) => op === 'fsync')).toHaveLength(1);
  });

  it('says a chunk is written only once it is in the file, so that it can be filled again', async () => {
    const path = join(dir, 'reused.bin');
    fsFaults.inject({ when: (call) => call.op === 'write' && call.index % 3 === 1, fault: { delayMs: 30 } });
    let handedBack = 0;
    await createDurably(path, async (write) => {
      for (const chunk of chunks) {
        const reused = Buffer.from(chunk);
        // Overwritten as soon as it is handed back, as a reused chunk is: a write still running would be corrupted.
        await write(reused, () => {
          reused.fill(0x58);
          handedBack++;
        });
      }
    });
    expect((await readFile(path)).equals(Buffer.concat(chunks))).toBe(true);
    expect(handedBack).toBe(chunks.length);
  });

  it('fails when one write fails, without syncing, once the writes still running have ended', async () => {
    const path = join(dir, 'full-disk.bin');
    // Writes 2–4 are slow and still running when write 5 fails.
    fsFaults.inject(
      { when: (call) => call.op === 'write' && call.index >= 2 && call.index <= 4, fault: { delayMs: 60 } },
      { when: (call) => call.op === 'write' && call.index === 5, fault: 'ENOSPC' },
    );
    const filled = createDurably(path, async (write) => {
      for (const chunk of chunks) await write(chunk);
    });
    await expect(filled).rejects.toMatchObject({ code: 'ENOSPC' });
    const ops = fsFaults.calls.filter((call) => call.path === path).map((call) => call.op);
    expect(ops).toEqual(['write', 'write', 'write', 'write', 'write']);
    // The writes that started before the failure had landed when the call failed; nothing lands after.
    const landed = chunks.slice(0, 4).reduce((bytes, chunk) => bytes + chunk.length, 0);
    expect((await readFile(path)).length).toBe(landed);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await readFile(path)).length).toBe(landed);
  });

  it('never creates over an existing file', async () => {
    const path = join(dir, 'exists.bin');
    await createDurably(path, async (write) => write(chunks[0]!));
    await expect(createDurably(path, async (write) => write(chunks[1]!))).rejects.toMatchObject({ code: 'EEXIST' });
    expect((await readFile(path)).equals(chunks[0]!)).toBe(true);
  });
});
