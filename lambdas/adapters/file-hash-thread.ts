/**
 * Hashes files on a worker thread (file-hash-worker.ts), for a folder publish from the CLI
 * (fs-sink.ts): a file's SHA-256 is computed from what was written, on another core, while this
 * thread renders the next file. After reading, a run renders its outputs on one thread; hashing a
 * million rows' files there took ~0.1 s of it (docs/benchmarks.md). The worker starts when a publish
 * does ({@link warm}) or with the first file, and {@link close} stops it.
 */
import { WorkerThread, workerScript } from '../pipeline/worker-thread.js';
import type { HashReply, HashRequest } from './file-hash-worker.js';

/** What a folder sink hashes its files with, once they are written. */
export interface FileHasher {
  /** Gets ready for the first file (a thread boots in ~50 ms), as a publish starts. */
  warm(): void;
  sha256(path: string): Promise<string>;
}

interface Waiter {
  readonly path: string;
  readonly resolve: (sha256: string) => void;
  readonly reject: (error: Error) => void;
}

export class FileHashThread implements FileHasher {
  private thread: WorkerThread<HashRequest, HashReply> | undefined;
  /** One per file asked for, in order: the worker answers in order. */
  private readonly waiting: Waiter[] = [];
  private failure: string | undefined;

  /** `script` replaces file-hash-worker's (tests give one that fails). */
  constructor(private readonly script?: URL) {}

  warm(): void {
    if (this.failure === undefined) this.start();
  }

  sha256(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) return reject(new Error(`hashing ${path} failed: ${this.failure}`));
      this.waiting.push({ path, resolve, reject });
      this.start().post({ path });
    });
  }

  async close(): Promise<void> {
    await this.thread?.close();
  }

  private start(): WorkerThread<HashRequest, HashReply> {
    if (this.thread !== undefined) return this.thread;
    const thread = new WorkerThread<HashRequest, HashReply>(this.script ?? workerScript('file-hash-worker', import.meta.url));
    thread.listen(
      (reply) => {
        const waiter = this.waiting.shift();
        if (waiter === undefined) return;
        if ('sha256' in reply) waiter.resolve(reply.sha256);
        else waiter.reject(new Error(`hashing ${waiter.path} failed: ${reply.failed}`));
      },
      (failure) =>
        this.fail(
          'error' in failure ? `the hashing thread failed: ${failure.error}` : `the hashing thread exited (code ${failure.exitCode})`,
        ),
    );
    this.thread = thread;
    return thread;
  }

  /** Fails every file waited for, and those asked for later. */
  private fail(reason: string): void {
    this.failure ??= reason;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`hashing ${waiter.path} failed: ${reason}`));
  }
}
