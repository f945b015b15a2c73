/**
 * createDurably (lambdas/adapters/fs-pointer.ts) writes a file's chunks a few at once, each at its
 * own offset: the file must hold the chunks in order however the writes finish, be synced only
 * after every write, and fail as a whole when one write fails, never with a write left behind.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDurably, createFlushing } from '../../../lambdas/adapters/fs-pointer.js';
import { FsSink } from '../../../lambdas/adapters/fs-sink.js';
import type { OutputFile } from '../../../lambdas/pipeline/ports.js';
import { fsFaults } from '../../helpers/fs-faults.js';
import { fixedRequest } from '../../helpers/publish-requests.js';

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

describe('createFlushing', () => {
  it('returns once the chunks are written, the flush still running, and the file is whole once it is flushed', async () => {
    const path = join(dir, 'flushing.bin');
    let release = () => {};
    fsFaults.inject({ when: (call) => call.op === 'fsync', fault: { until: new Promise<void>((resolve) => (release = resolve)) } });
    const { result, flushed } = await createFlushing(path, async (write) => {
      for (const chunk of chunks) await write(chunk);
      return 'filled';
    });
    expect(result).toBe('filled');
    let done = false;
    void flushed.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    release();
    await flushed;
    expect((await readFile(path)).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('reports a failed flush through `flushed`, not as an unhandled rejection', async () => {
    const path = join(dir, 'flush-fails.bin');
    fsFaults.inject({ when: (call) => call.op === 'fsync', fault: 'EIO' });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { flushed } = await createFlushing(path, async (write) => write(chunks[0]!));
      await new Promise((resolve) => setTimeout(resolve, 20));
      await expect(flushed).rejects.toMatchObject({ code: 'EIO' });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('FsSink', () => {
  it("renders the next file while one is flushed, and moves the run folder into place only once every file's flush is done", async () => {
    const files = ['colors.csv', 'excluded.csv'].map((name, index): OutputFile => {
      const body = Buffer.concat(chunks.slice(index * 6, index * 6 + 6));
      return { name, contentType: 'text/csv', chunks: [body], bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
    });
    const manifest = Buffer.from('{}\n');
    const request = fixedRequest({
      asOf: '2026-11-20',
      runId: 'RUN1',
      files,
      manifest: { name: 'manifest.json', contentType: 'application/json', chunks: [manifest], bytes: manifest.length, sha256: '' },
    });
    // colors.csv's flush is held until excluded.csv is being written (or, if excluded.csv waits
    // for it, for 2 s, and the test fails); the rename of the run folder notes whether it still is.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let flushing = true;
    let excludedWrittenWhileFlushing: boolean | undefined;
    let renamedWhileFlushing: boolean | undefined;
    fsFaults.inject(
      { when: (call) => call.op === 'fsync' && call.path.endsWith('colors.csv'), fault: { until: held.then(() => (flushing = false)) } },
      {
        when: (call) => {
          if (call.op === 'write' && call.path.endsWith('excluded.csv')) {
            excludedWrittenWhileFlushing ??= flushing;
            setTimeout(release, 20);
          }
          if (call.op === 'rename' && call.to?.endsWith('run-id=RUN1')) renamedWhileFlushing = flushing;
          return false;
        },
        fault: 'EIO',
      },
    );
    const fallback = setTimeout(release, 2_000);
    await new FsSink(dir).publish(request);
    clearTimeout(fallback);
    expect(excludedWrittenWhileFlushing).toBe(true);
    expect(renamedWhileFlushing).toBe(false);
    const runDir = join(dir, 'runs', 'as-of=2026-11-20', 'run-id=RUN1');
    expect((await readFile(join(runDir, 'excluded.csv'))).equals(files[1]!.chunks[0]!)).toBe(true);
  });
});
