/**
 * A worker thread of the CLI (the reading threads, parallel/; the hashing thread,
 * adapters/file-hash-thread.ts): it reports how it failed even when it failed before anyone
 * listened (it may fail as it boots), and being closed is not failing.
 */
import { existsSync } from 'node:fs';
import { type ResourceLimits, type Transferable, Worker } from 'node:worker_threads';

/** Why a thread stopped unasked: what it threw, or the code it exited with. */
export type ThreadFailure = { readonly error: string } | { readonly exitCode: number };

/** A worker's script: a file, or code evaluated in the thread. */
export interface WorkerScript {
  readonly url: string | URL;
  readonly evaluated: boolean;
}

export class WorkerThread<Message, Reply> {
  private readonly worker: Worker;
  private failure: ThreadFailure | undefined;
  private onReply: ((reply: Reply) => void) | undefined;
  private onFailure: ((failure: ThreadFailure) => void) | undefined;
  private closing = false;

  constructor(script: WorkerScript | URL, resourceLimits?: ResourceLimits) {
    const { url, evaluated } = script instanceof URL ? { url: script, evaluated: false } : script;
    this.worker = new Worker(url, { eval: evaluated, ...(resourceLimits === undefined ? {} : { resourceLimits }) });
    this.worker.on('message', (reply: Reply) => this.onReply?.(reply));
    this.worker.on('error', (error) => this.fail({ error: error.message }));
    this.worker.on('exit', (exitCode) => {
      if (!this.closing) this.fail({ exitCode });
    });
  }

  /** Listens to the thread's replies and to its failure, told at once if it has already failed. */
  listen(onReply: (reply: Reply) => void, onFailure: (failure: ThreadFailure) => void): void {
    this.onReply = onReply;
    this.onFailure = onFailure;
    if (this.failure !== undefined) onFailure(this.failure);
  }

  /** Sends a message; `transfer` moves its buffers to the thread. */
  post(message: Message, transfer: readonly Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private fail(failure: ThreadFailure): void {
    this.failure ??= failure;
    this.onFailure?.(failure);
  }
}

/**
 * The script of a worker thread that the CLI's build makes an entry of its own (scripts/build-cli.ts):
 * `<name>.mjs` beside the bundle (the module asking, `caller`, may sit in dist/chunks/), or, run
 * from source (tests), `<name>.ts` beside `caller`, loaded after registering tsx in the worker.
 */
export function workerScript(name: string, caller: string): WorkerScript {
  for (const candidate of [`./${name}.mjs`, `../${name}.mjs`]) {
    const url = new URL(candidate, caller);
    if (existsSync(url)) return { url, evaluated: false };
  }
  const source = new URL(`./${name}.ts`, caller);
  if (!existsSync(source)) throw new Error(`${name}.mjs is missing beside ${caller}: rebuild the CLI (npm run build)`);
  const load = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`;
  return { url: load, evaluated: true };
}
