/**
 * How a run's data files are rendered (README, "What a run writes"). Each file is an
 * {@link OutputRenderer}: its name, content type and row count, and a `render` that writes its
 * bytes into an OutputWriter (ports.ts).
 *
 * - What a renderer reads: the ranked files (colors.csv, colors.jsonl, excluded.csv) read a
 *   Ranking (ranking/ranked.ts): groups in output order, each row's place in its group (the
 *   parent/child columns) and its fields, by column, as exact text of a known type. rejected.csv
 *   reads the rejected rows. No renderer sees how the rows are stored.
 * - How it writes: `render` is a generator that pauses (yields) after each piece it has written:
 *   the header, then each group (or row). The sink sends the bytes on as they come and waits for
 *   room between pieces (stream-file.ts); rendering into memory ({@link renderFile}) runs straight
 *   through. A format that must see every row before its first byte keeps what it needs and writes
 *   it at the end; one that builds the whole file (a zip, a spreadsheet) hands over its finished
 *   buffer with one `writeBytes`; one that ends with a footer (a Parquet footer) writes it last.
 * - A new format (a spreadsheet, Parquet, an HTML report) is a new renderer in this folder over
 *   the same Ranking, converting each field from its text by COLUMN_TYPES (ranked.ts says what
 *   form each type's text has), and one more entry in run.ts's list of files.
 */
import type { DataFile, OutputFile, OutputWriter, WrittenFile } from '../ports.js';
import { OutputBuffer } from './output-buffer.js';

/** A {@link DataFile} (ports.ts) that knows how many rows it holds. */
export interface OutputRenderer extends DataFile {
  /** How many rows the file holds (the manifest's `rows`). */
  readonly rows: number;
  /** Writes the file into `out`, pausing after each piece (see above). */
  render(out: OutputWriter): Generator<void, void, undefined>;
}

/** Renders a file whole into memory, hashed and sized (tests, and sinks that keep runs in memory); `before` as in ports.ts DataFile.render. */
export function renderFile(file: DataFile, before: readonly WrittenFile[] = []): OutputFile {
  const out = new OutputBuffer();
  const pieces = file.render(out, before);
  while (!pieces.next().done);
  return out.finish(file.name, file.contentType);
}

/** Renders a list of files whole into memory, in order, each given those before it. */
export function renderFiles(files: readonly DataFile[]): OutputFile[] {
  const rendered: OutputFile[] = [];
  for (const file of files) rendered.push(renderFile(file, rendered));
  return rendered;
}

/** A file already in memory as a data file to publish: its chunks are written as they are. */
export function finishedFile<File extends OutputFile>(file: File): File & DataFile {
  return {
    ...file,
    *render(out: OutputWriter) {
      for (const chunk of file.chunks) {
        out.writeBytes(chunk);
        yield;
      }
    },
  };
}
