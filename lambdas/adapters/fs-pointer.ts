/**
 * latest.json in a folder, for the compare-and-swap of lambdas/pipeline/latest-pointer.ts. A folder
 * has no conditional write, so the swap is lock-free and closed in two steps (docs/publishing.md):
 *
 * 1. the new pointer is written durably to a temporary file, latest.json is read again, and the
 *    temporary file is renamed over it only if latest.json is still what was read;
 * 2. a writer whose rename may have landed after a newer run's (the window between that re-check
 *    and the rename) then looks for a complete, promotable run newer than the one it wrote and
 *    moves the pointer on to it ({@link newestPromotableRun}). Every run's folder exists before its
 *    pointer step starts, so the last writer always sees the newest run.
 */
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type LatestPointer,
  type PointerStore,
  parsePointer,
  renderPointer,
  type StoredRun,
  storedRun,
} from '../pipeline/latest-pointer.js';
import { MANIFEST_FILE, type Manifest } from '../pipeline/manifest.js';
import { pointerTempName } from './fs-leftovers.js';

export class FsPointerStore implements PointerStore<string> {
  constructor(
    private readonly dateDir: string,
    private readonly latest: string,
    private readonly runId: string,
  ) {}

  async read(): Promise<{ pointer: LatestPointer | null; version: string } | null> {
    const text = await readPointerText(this.latest);
    return text === null ? null : { pointer: parsePointer(text), version: text };
  }

  async write(pointer: LatestPointer, expected: string | null): Promise<'written' | 'changed'> {
    const temp = join(this.dateDir, pointerTempName(this.runId));
    try {
      await writeDurably(temp, [renderPointer(pointer)]);
      // Lock-free re-check: another run may have moved latest.json while this one wrote.
      if ((await readPointerText(this.latest)) !== expected) {
        await rm(temp, { force: true });
        return 'changed';
      }
      await rename(temp, this.latest);
      return 'written';
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }
}

async function readPointerText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EISDIR')
      throw new Error(`${path} is a directory, not a file: move it away so that latest.json can be written`, { cause: error });
    throw error;
  }
}

/** The newest run after `runId` whose folder holds a manifest that is not held back, or null. */
export async function newestPromotableRun(dateDir: string, asOf: string, runId: string): Promise<StoredRun | null> {
  const newer = (await readdir(dateDir))
    .filter((name) => name.startsWith('run-id='))
    .map((name) => name.slice('run-id='.length))
    .filter((id) => id > runId)
    .sort()
    .reverse();
  for (const id of newer) {
    try {
      const text = await readFile(join(dateDir, `run-id=${id}`, MANIFEST_FILE), 'utf8');
      const manifest = JSON.parse(text) as Partial<Manifest>;
      if (manifest.runId === id && manifest.asOf === asOf && !manifest.heldBack) return storedRun(asOf, id, text);
    } catch {
      // Not a complete run of ours: never promoted.
    }
  }
  return null;
}

/** Chunks (~1 MiB each, outputs/output-buffer.ts) a file being created may have on their way to the disk at once. */
const WRITES_IN_FLIGHT = 4;

/** Creates `path` (never overwriting) with these bytes and flushes it to disk before returning. */
export async function writeDurably(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  await createDurably(path, async (write) => {
    for (const chunk of chunks) await write(chunk);
  });
}

/**
 * Creates `path` (never overwriting, with the umask's permissions), lets `fill` write into it
 * chunk by chunk, and flushes it to disk before returning what `fill` returned. `write` resolves
 * when another chunk may be written; `written`, if given, is called once the chunk is in the file
 * and may be reused.
 */
export async function createDurably<T>(path: string, fill: Fill<T>): Promise<T> {
  const { result, flushed } = await createFlushing(path, fill);
  await flushed;
  return result;
}

/** Writes a file's chunks: see {@link createDurably}. */
export type Fill<T> = (write: (chunk: Uint8Array, written?: () => void) => Promise<void>) => Promise<T>;

/**
 * {@link createDurably}, returning once every chunk is written, with the flush to disk (and the
 * close) still going on in `flushed`: a run's next file is rendered while this one is flushed (a
 * million rows' colors.csv takes ~0.1 s to flush). The caller awaits `flushed` before relying on
 * the file; until then a failed flush is not reported as unhandled.
 */
export async function createFlushing<T>(path: string, fill: Fill<T>): Promise<{ result: T; flushed: Promise<void> }> {
  const handle = await open(path, 'wx');
  // Each chunk is written at its own offset, a few at once, so the next one is rendered while the
  // last ones are written; a failed write fails the next call or the end.
  const writing = new Set<Promise<void>>();
  let size = 0;
  const writeAt = async (chunk: Uint8Array, position: number): Promise<void> => {
    // A write may take fewer bytes than asked (a signal, a full disk that then reports ENOSPC).
    for (let at = 0; at < chunk.byteLength; ) {
      at += (await handle.write(chunk, at, chunk.byteLength - at, position + at)).bytesWritten;
    }
  };
  let result: T;
  try {
    result = await fill(async (chunk, written) => {
      const write = writeAt(chunk, size);
      size += chunk.byteLength;
      writing.add(write);
      write.then(
        () => {
          writing.delete(write);
          written?.();
        },
        () => undefined,
      );
      if (writing.size >= WRITES_IN_FLIGHT) await Promise.race(writing);
    });
    await Promise.all(writing);
  } catch (error) {
    // Never close the file under a write still in flight.
    await Promise.allSettled(writing);
    await handle.close();
    throw error;
  }
  const flushed = handle.sync().finally(() => handle.close());
  flushed.catch(() => undefined);
  return { result, flushed };
}

/** Flushes a folder's entries (created or renamed names) to disk. */
export async function syncFolder(path: string): Promise<void> {
  // Windows cannot open a folder for fsync; NTFS journals its metadata.
  if (process.platform === 'win32') return;
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
