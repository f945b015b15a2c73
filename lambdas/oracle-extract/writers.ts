/**
 * Where an extract's files go: `<prefix>/extracts/<timestamp>/` in S3, or `<dir>/<timestamp>/` on
 * disk (the CLI's default dir is `./extracts`, so both read `extracts/<timestamp>/`). Both are
 * create-only: an extract is a record of what the database held at that moment, so an existing
 * object or file is never replaced (S3 `If-None-Match: *`, files opened with `wx`).
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { describeS3Error, isPreconditionFailed } from '../adapters/s3/errors.js';
import { outputFileBody, type S3Destination, S3Objects } from '../adapters/s3/objects.js';
import { checkBucketName, joinKey, normalizePrefix, s3Url } from '../adapters/s3-location.js';
import { PublishError } from '../errors.js';
import type { OutputFile } from '../pipeline/ports.js';

export interface WrittenFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  /** A path or an s3:// URL. */
  readonly location: string;
}

export interface ExtractWriter {
  /** Where extracts go, e.g. `dir:extracts` or `s3://bucket/prefix/extracts`. */
  readonly description: string;
  /** Writes the files into `<folder>`; returns where the folder is. */
  write(folder: string, files: readonly OutputFile[]): Promise<{ readonly location: string; readonly files: readonly WrittenFile[] }>;
}

/** `2026-11-20T23:00:00.123Z` → `2026-11-20T230000Z`: sortable, and no ':' in a key or a path. */
export function extractFolder(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '');
}

export class DirectoryExtractWriter implements ExtractWriter {
  readonly description: string;
  constructor(private readonly root: string) {
    this.description = `dir:${root}`;
  }

  async write(folder: string, files: readonly OutputFile[]) {
    const dir = join(this.root, folder);
    try {
      await mkdir(this.root, { recursive: true });
      await mkdir(dir); // not recursive: an existing folder is another extract
    } catch (error) {
      throw new PublishError(`cannot create the extract folder ${dir}: ${reason(error)}`, { cause: error });
    }
    const written: WrittenFile[] = [];
    for (const file of files) {
      const path = join(dir, file.name);
      try {
        const handle = await open(path, 'wx');
        try {
          for (const chunk of file.chunks) await handle.write(chunk);
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw new PublishError(`writing ${path} failed: ${reason(error)}`, { cause: error });
      }
      written.push({ name: file.name, bytes: file.bytes, sha256: file.sha256, location: path });
    }
    return { location: dir, files: written };
  }
}

export class S3ExtractWriter implements ExtractWriter {
  readonly description: string;
  private readonly objects: S3Objects;
  private readonly base: string;

  /** `prefix` is the results prefix; extracts go under `<prefix>/extracts/`. */
  constructor(destination: S3Destination) {
    this.objects = new S3Objects({ ...destination, bucket: checkBucketName(destination.bucket) });
    this.base = joinKey(normalizePrefix(destination.prefix), 'extracts');
    this.description = s3Url(destination.bucket, this.base);
  }

  async write(folder: string, files: readonly OutputFile[]) {
    const { bucket } = this.objects;
    const folderKey = `${this.base}/${folder}`;
    const written: WrittenFile[] = [];
    for (const file of files) {
      const key = `${folderKey}/${file.name}`;
      try {
        await this.objects.put(key, outputFileBody(file), 'create');
      } catch (error) {
        throw new PublishError(
          isPreconditionFailed(error)
            ? `${s3Url(bucket, key)} already exists (another extract in the same second?); extracts are never overwritten, run it again`
            : `writing ${s3Url(bucket, key)} failed: ${describeS3Error(error)}`,
          { cause: error },
        );
      }
      written.push({ name: file.name, bytes: file.bytes, sha256: file.sha256, location: s3Url(bucket, key) });
    }
    return { location: `${s3Url(bucket, folderKey)}/`, files: written };
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
