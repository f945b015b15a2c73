/**
 * The worker thread of file-hash-thread.ts: reads each file it is asked for, in order, and answers
 * with its SHA-256 (or why it could not be read).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export interface HashRequest {
  readonly path: string;
}

export type HashReply = { readonly sha256: string } | { readonly failed: string };

/** Bytes read at a time, into one buffer for every file. */
const READ_BYTES = 1024 * 1024;

if (parentPort === null) throw new Error('file-hash-worker runs as a worker thread of file-hash-thread.ts');
const port = parentPort;
const buffer = Buffer.allocUnsafe(READ_BYTES);

port.on('message', ({ path }: HashRequest) => {
  let reply: HashReply;
  try {
    reply = { sha256: sha256Of(path) };
  } catch (error) {
    reply = { failed: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});

function sha256Of(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    for (let read = readSync(fd, buffer, 0, READ_BYTES, null); read > 0; read = readSync(fd, buffer, 0, READ_BYTES, null)) {
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
