/** The data files of a folder publish (fs-sink.ts), for the manifest and for the report, which lists the ones before it. */
import { type ChunkTaker, streamFile, streamUnhashed, type UnhashedFile } from '../pipeline/outputs/stream-file.js';
import type { DataFile, WrittenFile } from '../pipeline/ports.js';
import type { FileHasher } from './file-hash-thread.js';

/**
 * The files as written: hashed as they stream, or, with a hasher, once each is in its file (while
 * the next is rendered); {@link all} waits for those hashes.
 */
export class WrittenFiles {
  private readonly files: (WrittenFile | Promise<WrittenFile>)[] = [];

  constructor(private readonly hasher: FileHasher | undefined) {}

  /** Streams `file` into `take`, hashing it on the way unless there is a hasher. */
  stream(file: DataFile, take: ChunkTaker, before: readonly WrittenFile[]): Promise<WrittenFile | UnhashedFile> {
    return this.hasher === undefined ? streamFile(file, take, before) : streamUnhashed(file, take, before);
  }

  /** Adds a file streamed into `path`, hashing it there if it was not hashed on the way. */
  add(file: WrittenFile | UnhashedFile, path: string): void {
    if ('sha256' in file) {
      this.files.push(file);
      return;
    }
    if (this.hasher === undefined) throw new Error(`${file.name} was streamed unhashed, and there is no hasher`);
    const hashed = this.hasher.sha256(path).then((sha256) => ({ ...file, sha256 }));
    hashed.catch(() => undefined); // awaited by all()
    this.files.push(hashed);
  }

  /** The files whose hashes are known so far: what a file that does not read them is given. */
  get known(): WrittenFile[] {
    return this.files.filter((file): file is WrittenFile => !(file instanceof Promise));
  }

  all(): Promise<WrittenFile[]> {
    return Promise.all(this.files);
  }
}
