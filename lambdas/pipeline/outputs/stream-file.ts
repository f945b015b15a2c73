/**
 * Writes a data file to a sink as it is rendered: the renderer writes a piece (a header, a group of
 * rows) into an {@link OutputEncoder}, whose full ~1 MiB chunks wait in a short queue; between
 * pieces the queue is handed, chunk by chunk, to the sink's `take`, which resolves when it has room
 * for more. So at most one piece's chunks and what the sink keeps in flight are held, whatever the
 * file's size; the size and SHA-256 are computed on the way, for the manifest.
 */
import type { DataFile, WrittenFile } from '../ports.js';
import { OUTPUT_CHUNK_BYTES, OutputEncoder } from './output-buffer.js';

/**
 * Takes the next chunk of a file (it may keep it) and resolves when it can take another. Once done
 * with the chunk (written out, copied), it may call `done`, and the chunk is filled again with the
 * file's next bytes rather than a fresh one allocated.
 */
export type ChunkTaker = (chunk: Buffer, done: () => void) => Promise<void>;

/** Streams `file`, which `before` precedes in its list of files (ports.ts DataFile.render). */
export async function streamFile(file: DataFile, take: ChunkTaker, before: readonly WrittenFile[]): Promise<WrittenFile> {
  const { bytes, sha256 } = await stream(file, take, before, true);
  if (sha256 === undefined) throw new Error('streamFile: the file was not hashed');
  return { name: file.name, contentType: file.contentType, bytes, sha256 };
}

/** A file streamed without its SHA-256: a sink that hashes the file as stored adds it (adapters/fs-sink.ts). */
export type UnhashedFile = Omit<WrittenFile, 'sha256'>;

/** {@link streamFile} without hashing the bytes on the way. */
export async function streamUnhashed(file: DataFile, take: ChunkTaker, before: readonly WrittenFile[]): Promise<UnhashedFile> {
  const { bytes } = await stream(file, take, before, false);
  return { name: file.name, contentType: file.contentType, bytes };
}

async function stream(
  file: DataFile,
  take: ChunkTaker,
  before: readonly WrittenFile[],
  hashing: boolean,
): Promise<{ bytes: number; sha256?: string }> {
  const queue: Buffer[] = [];
  const out = new OutputEncoder((chunk) => queue.push(chunk), OUTPUT_CHUNK_BYTES, hashing);
  const handOver = async (): Promise<void> => {
    // shift() one at a time, so a chunk is let go of as soon as the sink has it.
    for (let chunk = queue.shift(); chunk !== undefined; chunk = queue.shift()) {
      const taken = chunk;
      await take(taken, () => out.recycle(taken));
    }
  };
  const pieces = file.render(out, before);
  try {
    while (!pieces.next().done) if (queue.length > 0) await handOver();
  } finally {
    // A failed take ends the rendering too (the generator's finally blocks run).
    pieces.return?.();
  }
  const ending = hashing ? out.end() : { bytes: out.close() };
  await handOver();
  return ending;
}

/** A file's size and SHA-256 without keeping or sending its bytes (a dry run's manifest). */
export function digestFile(file: DataFile, before: readonly WrittenFile[]): WrittenFile {
  const out = new OutputEncoder(() => undefined);
  const pieces = file.render(out, before);
  while (!pieces.next().done);
  return { name: file.name, contentType: file.contentType, ...out.end() };
}

/** The files' sizes and SHA-256s, each file given those before it: what a sink's manifest would list (a dry run). */
export function digestFiles(files: readonly DataFile[]): WrittenFile[] {
  const written: WrittenFile[] = [];
  for (const file of files) written.push(digestFile(file, written));
  return written;
}
