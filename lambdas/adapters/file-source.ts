/**
 * A local CSV, JSON Lines or .xlsx file as the run's source. CSV and JSON Lines are streamed in
 * ~1 MiB chunks and never read whole; a workbook is read whole (a zip's directory is at its end),
 * within the limits of readers/workbook-guard.ts. Opening checks the file is there and readable so
 * the run fails before any work.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { MarketPulseError, SourceError } from '../errors.js';
import type { ColorSource, OpenedSource } from '../pipeline/ports.js';
import { type FileFormat, formatOfName, openRecords, unsupportedName } from '../pipeline/readers/open-records.js';

export type { FileFormat };

export interface FileSourceOptions {
  /** Overrides the format the file's extension implies. */
  readonly format?: FileFormat;
  /** Read size; 1 MiB unless set (tests use small values to exercise chunk edges). */
  readonly highWaterMark?: number;
  /** For a workbook: the sheet to read (the first by default). */
  readonly sheet?: string;
}

const READ_CHUNK_BYTES = 1024 * 1024;

/** The format a file name implies, or a SourceError naming the supported extensions. */
export function formatFromPath(path: string): FileFormat {
  const format = formatOfName(path);
  if (format === undefined) throw new SourceError(`input file ${path}: ${unsupportedName(path)}`);
  return format;
}

export class FileSource implements ColorSource {
  readonly description: string;
  readonly format: FileFormat;
  private readonly highWaterMark: number;
  private readonly sheet: string | undefined;

  constructor(
    readonly path: string,
    options: FileSourceOptions = {},
  ) {
    this.description = `file:${path}`;
    this.format = options.format ?? formatFromPath(path);
    this.highWaterMark = options.highWaterMark ?? READ_CHUNK_BYTES;
    this.sheet = options.sheet;
  }

  async open(): Promise<OpenedSource> {
    const handle = await this.openHandle();
    const stream = createReadStream(this.path, { fd: handle, highWaterMark: this.highWaterMark, autoClose: true });
    return openRecords(
      this.format,
      this.readErrorsAsSourceErrors(stream),
      this.path,
      this.sheet === undefined ? {} : { sheet: this.sheet },
    );
  }

  private async openHandle(): Promise<FileHandle> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      throw this.openError(error);
    }
    try {
      // Opening a directory succeeds on Linux; reading it does not.
      if ((await handle.stat()).isDirectory()) throw new SourceError(`input file ${this.path} is a directory, not a file`);
    } catch (error) {
      await handle.close();
      throw error instanceof SourceError ? error : this.openError(error);
    }
    return handle;
  }

  private openError(error: unknown): SourceError {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') return new SourceError(`input file not found: ${this.path}`, { cause: error });
    if (code === 'EISDIR') return new SourceError(`input file ${this.path} is a directory, not a file`, { cause: error });
    if (code === 'EACCES' || code === 'EPERM') {
      return new SourceError(`input file ${this.path} cannot be read: permission denied`, { cause: error });
    }
    return new SourceError(`input file ${this.path} cannot be read: ${describe(error)}`, { cause: error });
  }

  private async *readErrorsAsSourceErrors(stream: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array> {
    try {
      yield* stream;
    } catch (error) {
      if (error instanceof MarketPulseError) throw error;
      throw new SourceError(`input file ${this.path}: reading failed: ${describe(error)}`, { cause: error });
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
