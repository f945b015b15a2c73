/**
 * A temporary file that rows' lines are written to while a large CSV file is read on worker
 * threads (parallel/parallel-read.ts), and read back, a run of groups at a time, when they are
 * ranked and rendered (spilled-chunks.ts): the run then holds each row's sort keys, not its text
 * (docs/architecture.md, "Lines spilled to disk").
 *
 * The file is removed from its folder as soon as it is opened, so nothing is left behind whatever
 * becomes of the run; its space is freed when it is closed, or when the process ends.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class SpillFile {
  /**
   * The buffer its lines are read back into, shared by the arenas that spill to it
   * (spilled-chunks.ts): the ranked and the excluded rows are read back at different times, and one
   * window for both is ~16 MiB less memory and ~4,000 fewer page faults.
   */
  readonly window = new ReadWindow();
  private size = 0;
  private readonly writes = new Set<Promise<void>>();
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly fd: number,
    /** Names the folder in errors. */
    readonly folder: string,
  ) {}

  /** Opens an empty spill file in `folder` (the system's temporary folder unless given). */
  static open(folder = tmpdir()): SpillFile {
    let dir: string;
    try {
      dir = mkdtempSync(join(folder, 'market-pulse-lines-'));
    } catch (error) {
      throw spillError(folder, 'could not be created', error);
    }
    const path = join(dir, 'lines');
    try {
      const fd = openSync(path, 'w+', 0o600);
      return new SpillFile(fd, folder);
    } finally {
      // Unlinked at once: the open descriptor keeps the file until it is closed.
      try {
        unlinkSync(path);
      } catch {}
      rmdirSync(dir);
    }
  }

  /**
   * Writes `bytes` at the end of the file; returns where they start. The write runs in the
   * background; `bytes` must not change until it is done: then `written` is called (not if it failed).
   */
  append(bytes: Uint8Array, written?: () => void): number {
    if (this.closed) throw new Error('SpillFile.append after close');
    const at = this.size;
    this.size += bytes.length;
    const done = new Promise<void>((resolve) => {
      write(this.fd, bytes, 0, bytes.length, at, (error, wrote) => {
        // A file write is whole unless the disk is full; a short one is taken as that.
        const failed = error ?? (wrote < bytes.length ? new Error(`wrote ${wrote} of ${bytes.length} bytes`) : null);
        if (failed && this.failure === undefined) this.failure = spillError(this.folder, 'could not be written', failed);
        this.writes.delete(done);
        resolve();
        if (!failed) written?.();
      });
    });
    this.writes.add(done);
    return at;
  }

  /** Waits for every write so far; fails if any failed. */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.all(this.writes);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Reads `length` bytes at `position` into `into` from `at` (after {@link flush}). */
  read(into: Uint8Array, at: number, length: number, position: number): void {
    if (this.writes.size > 0) throw new Error('SpillFile.read before flush');
    let done = 0;
    while (done < length) {
      const read = readSync(this.fd, into, at + done, length - done, position + done);
      if (read === 0) throw new Error(`the spill file in ${this.folder} ended early (read ${position + done} of ${this.size} bytes)`);
      done += read;
    }
  }

  /** Frees the file's space. Safe to call twice; the writes in flight finish first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.writes);
    closeSync(this.fd);
  }
}

function spillError(folder: string, what: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `the temporary file for rows' lines in ${folder} ${what} (${reason}); a large CSV file needs about its own size free there: set TMPDIR to a folder with room`,
    { cause },
  );
}

/** A buffer that one reader at a time reads into: whoever last took it holds its bytes. */
export class ReadWindow {
  private buffer: Buffer = Buffer.alloc(0);
  private holder: object | undefined;

  /** The buffer, at least `size` bytes, for `holder`, whose bytes it holds from now on. */
  take(holder: object, size: number): Buffer {
    if (size > this.buffer.length) this.buffer = Buffer.allocUnsafeSlow(size);
    this.holder = holder;
    return this.buffer;
  }

  /** Whether the buffer still holds what `holder` read into it. */
  holds(holder: object): boolean {
    return this.holder === holder;
  }
}
