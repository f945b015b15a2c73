/**
 * The two edges of a run. The pipeline only knows these interfaces; files, Oracle, the local disk
 * and S3 are adapters in `lambdas/adapters/`.
 */
import type { ColumnName } from './columns.js';
import type { PointerOutcome, StoredRun } from './latest-pointer.js';

/** One input record, with values aligned to the source's header. */
export interface RawRecord {
  /** 1-based data-row number in the input (the header is not counted). */
  readonly sourceRow: number;
  /** Field values as read; null is SQL NULL or a field the record does not have. */
  readonly values: readonly (string | null)[];
  /** Set when the record itself is malformed (e.g. wrong number of fields); the row is rejected with it. */
  readonly problem?: string;
  /**
   * The record as the input holds it, where its values alone may not say everything: every JSON
   * Lines line, and a CSV record that is malformed. A rejected row carries it into rejected.csv.
   */
  readonly raw?: string;
}

/**
 * The records of an opened source, in order: any async iterable of records. A source that holds
 * records in memory (the file readers hold a chunk's worth) also offers the fast path,
 * {@link RecordIterator.readBuffered}: awaiting each of a million records costs a promise and a
 * microtask turn apiece, so the run (forEachRecord, readers/pull-records.ts) takes the buffered
 * ones in a plain loop and awaits only when the source must read more.
 */
export interface Records extends AsyncIterable<RawRecord> {
  [Symbol.asyncIterator](): RecordIterator;
}

export interface RecordIterator extends AsyncIterator<RawRecord> {
  /**
   * The next record if the source already holds it in memory, else undefined (then call `next`,
   * which also says when the records are over). Optional: without it every record is awaited.
   */
  readBuffered?(): RawRecord | undefined;
}

export interface OpenedSource {
  /** Column names as the source spells them. */
  readonly header: readonly string[];
  readonly records: Records;
  /**
   * For a source whose records each name their own keys (JSON Lines), whose header is then the
   * logical columns: what the records held, once they are all read.
   */
  readonly recordKeys?: () => RecordKeys;
  /** Warnings found on opening, for the run to pass on (a union of inputs checks each one's header). */
  readonly warnings?: readonly string[];
  /** For a source made of several inputs (union-source.ts): which input each record came from. */
  readonly inputs?: SourceInputs;
}

/** The inputs of a source made of several, each numbering its records after the one before. */
export interface SourceInputs {
  /** Which input the record with this SOURCE_ROW came from, for any record handed out so far. */
  indexOf(sourceRow: number): number;
  /** Each input and the SOURCE_ROW its records start at, once every record is read. */
  list(): readonly SourceInput[];
}

export interface SourceInput extends Partial<InputOrigin> {
  /** What the manifest records as the input, e.g. `file:colors.xlsx`. */
  readonly source: string;
  /** The SOURCE_ROW of its first row: its own row number plus this, minus 1. */
  readonly firstSourceRow: number;
}

/** A file uploaded to a day, as a run read it: its key and the S3 version read (null in an unversioned bucket). */
export interface InputOrigin {
  readonly key: string;
  readonly versionId: string | null;
}

/** The keys the records of a JSON Lines source held. */
export interface RecordKeys {
  /** Logical columns that at least one record had a key for (null or not). */
  readonly columns: ReadonlySet<ColumnName>;
  /** Keys that are no color column, trimmed, in order of first sight; the first few only. */
  readonly unknown: readonly string[];
  /** How many distinct unknown keys there were. */
  readonly unknownCount: number;
}

export interface ColorSource {
  /** What the manifest records as the run's source, e.g. `file:samples/colors.csv`. */
  readonly description: string;
  /** For an uploaded file: the object read, which the manifest lists with the input. */
  readonly origin?: InputOrigin;
  open(): Promise<OpenedSource>;
}

/**
 * Where a data file's bytes go as it is rendered (outputs/renderer.ts): text or bytes, piece by
 * piece. A format that streams writes each row as it comes; one that must build the whole file
 * first (a zip, a Parquet footer) hands over its finished buffer with one `writeBytes`.
 */
export interface OutputWriter {
  /** Writes text, encoded as UTF-8. */
  write(text: string): void;
  /** Writes bytes that are already UTF-8 (or a binary format's bytes). */
  writeBytes(bytes: Uint8Array): void;
}

/**
 * A data file of a run, rendered as the sink writes it: `render` writes into `out` and pauses
 * (yields) after each piece, so that the sink can send what was written on before the next piece
 * (outputs/stream-file.ts). Peak memory is then the rows held for ranking, not the output's size.
 */
export interface DataFile {
  /** The file name in the published run, e.g. `colors.csv`. */
  readonly name: string;
  readonly contentType: string;
  /**
   * Writes the file into `out`. `before` holds the files of the same list written before this one,
   * as written (what the manifest records of them): the report lists them (report/report-files.ts).
   */
  render(out: OutputWriter, before: readonly WrittenFile[]): Iterator<void, void, undefined>;
  /**
   * Whether `render` reads `before`: a sink that hashes files after writing them (adapters/fs-sink.ts)
   * then has every earlier file's SHA-256 ready first.
   */
  readonly readsEarlierFiles?: boolean;
}

/** A file as it was written: its size and SHA-256 (hex), computed while it streamed; what the manifest records. */
export interface WrittenFile {
  readonly name: string;
  readonly contentType: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** A file rendered whole into memory (the manifest, latest.json, oracle-extract's files). */
export interface OutputFile extends WrittenFile {
  readonly chunks: readonly Uint8Array[];
}

/** A file published outside the run folder, at `path` under the results prefix (the Athena tables: parquet/table-files.ts). */
export interface PlacedFile {
  readonly path: string;
  readonly file: DataFile;
}

export interface PublishRequest {
  readonly asOf: string;
  readonly runId: string;
  /** Data files, each rendered as it is written, one at a time in this order. */
  readonly files: readonly DataFile[];
  /** Written create-only, streamed like the data files, before the manifest; then latest.json's copy follows the pointer. */
  readonly tableFiles?: readonly PlacedFile[];
  /**
   * The manifest, given the files as they were written — the data files in `files` order, then the
   * table files in `tableFiles` order; asked for once every one is complete, and written last: its
   * presence marks the run complete.
   */
  readonly manifest: (written: readonly WrittenFile[]) => OutputFile;
  /** Why the run is held back (published, latest.json not moved), or null to move latest.json to it. */
  readonly holdBack: string | null;
}

export interface PublishedRun {
  /** Where the run's files are, e.g. `out/runs/as-of=2026-11-20/run-id=…` or an s3:// URL. */
  readonly location: string;
  /** Where the as-of date's latest.json pointer is. */
  readonly latest: string;
  /** What latest.json names now: this run, a newer one, or (held back) whatever it named before. */
  readonly pointer: PointerOutcome;
}

/**
 * Where runs are published (docs/publishing.md). Every method is safe to retry: what is already
 * stored with the same bytes counts as written, and latest.json only ever moves forward.
 */
export interface ResultSink {
  readonly description: string;
  /**
   * Writes the data files, then the manifest, each create-only (published objects are never
   * overwritten), then, unless the run is held back, moves latest.json forward to it. Throws
   * PublishError, whose `visible` says exactly what readers can see, or RunAlreadyPublishedError
   * when this run id is stored with other bytes.
   */
  publish(request: PublishRequest): Promise<PublishedRun>;
  /**
   * The manifest of a stored run, or null. A denied read (403, what S3 answers for a missing key
   * without s3:ListBucket) counts as absent: the create-only write that follows decides.
   */
  readManifest(asOf: string, runId: string): Promise<string | null>;
  /** Moves latest.json forward to a run whose manifest is stored (how a retry finishes a run). */
  movePointer(run: StoredRun): Promise<PublishedRun>;
}
