/**
 * What a worker thread does with one piece of a CSV file (parallel-read.ts): parse its records,
 * validate them, apply the rules and prepare the valid rows for ranking — the same steps, in the
 * same code, as the single-threaded read loop of read-run.ts. Rows are numbered from 1 within the
 * piece; the thread that merges the pieces in file order adds the rows before it.
 */
import { isAscii } from 'node:buffer';
import { COLUMNS } from '../columns.js';
import type { RunConfig } from '../config.js';
import { type PreparedRows, PreparedRowsBuilder } from '../ranking/prepared-rows.js';
import { CsvParser, PROBLEM_QUOTE_IN_UNQUOTED, PROBLEM_TEXT_AFTER_QUOTE } from '../readers/csv-parser.js';
import { csvRawRecord } from '../readers/csv-reader.js';
import { type RawTally, RowTally } from '../report/row-tally.js';
import { type CompiledRules, compileRules } from '../rules.js';
import { isRejected, type RejectedRow, RowValidator } from '../schema.js';
import { SpareBuffers } from '../spare-buffers.js';
import { TextIds } from '../text-ids.js';
import { ZoneClock } from '../time-zone.js';

/** What every piece of one run shares (sent once to each worker). */
export interface ChunkSetup {
  /** Names the input in errors. */
  readonly source: string;
  /** The header's width and where each color column sits in it (schema.ts HeaderMapping). */
  readonly headerLength: number;
  readonly positions: readonly number[];
  readonly rules: RunConfig['rules'];
  readonly order: RunConfig['ranking']['order'];
  readonly timeZone: string;
  /** Count the ranked rows per dealer and sector, for the report (report/row-tally.ts). */
  readonly tally: boolean;
}

export interface ChunkRows {
  /** Records read (data rows). */
  readonly read: number;
  readonly kept: PreparedRows;
  readonly excluded: PreparedRows;
  /** Per excluded row: the index in {@link ruleLists} of the rules it matched. */
  readonly excludedBy: Int32Array;
  readonly ruleLists: (readonly string[])[];
  /**
   * The CUSIP keys this thread numbered for the first time in this piece (its ids from
   * `firstNewGroup` on, in order): the rows' `groups` ids index the keys of all the thread's pieces.
   */
  readonly newGroupKeys: string[];
  readonly firstNewGroup: number;
  /** Rejected rows, numbered from 1 within the piece. */
  readonly rejected: RejectedRow[];
  /** The piece's ranked rows per dealer and sector, when the run writes a report. */
  readonly tally: RawTally | undefined;
  /**
   * A record had a quote where RFC 4180 allows none. The pieces were cut by counting quotes, which
   * such a quote can mislead, so the run reads the file again on one thread.
   */
  readonly misquoted: boolean;
}

/** Spare buffers of lines kept per thread: a piece's kept and excluded lines, for the two pieces in flight. */
const SPARE_LINE_BUFFERS = 4;

/** Bytes decoded to text at once: a Latin-1 string of this size is a young-generation object (V8's limit is 128 KiB). */
const DECODED_BYTES = 64 * 1024;

export class ChunkReader {
  private readonly validator: RowValidator;
  private readonly rules: CompiledRules;
  /** The header is the color columns in their standard order, nothing else: a record's fields are the row's columns. */
  private readonly standardHeader: boolean;
  /** This thread's ids of CUSIP keys, over all its pieces (prepared-rows.ts `groups`). */
  private readonly groupIds = new TextIds();
  /** Buffers for the pieces' lines, handed back once the lines are in the spill file ({@link recycleLines}). */
  private readonly lineBuffers = new SpareBuffers(SPARE_LINE_BUFFERS);
  /** Rows kept and excluded in the last piece read: the next piece's builders are sized from them. */
  private lastKept = 0;
  private lastExcluded = 0;

  constructor(private readonly setup: ChunkSetup) {
    const clock = new ZoneClock(setup.timeZone);
    // Each row is ruled on and prepared before the next is validated: its arrays can be reused.
    this.validator = new RowValidator({ positions: setup.positions, extraColumns: [] }, clock, { reuseRows: true });
    this.rules = compileRules(setup.rules, clock);
    this.standardHeader = setup.headerLength === COLUMNS.length && setup.positions.every((position, index) => position === index);
  }

  /** The rows of `bytes`, whole records; the first piece of the file starts with the header, which is skipped. */
  read(bytes: Uint8Array, startsWithHeader: boolean): { rows: ChunkRows; transfer: ArrayBuffer[] } {
    const parser = new CsvParser({ source: this.setup.source });
    // ASCII text has a record's bytes at its character offsets: a row whose line is the record as
    // read has its line made there, in the piece (PreparedRowsBuilder.addAsRead). The text is a
    // copy, so rewriting the piece's bytes in place leaves what is parsed as read.
    const asRead = this.standardHeader && isAscii(bytes) ? bytes : undefined;
    let header = startsWithHeader;
    const firstNewGroup = this.groupIds.size;
    // Sized like the last piece's, a little larger: pieces are alike (4 MiB each, but the last).
    const kept = new PreparedRowsBuilder(this.setup.order, this.groupIds, asRead, Math.ceil(this.lastKept * 1.1));
    const excluded = new PreparedRowsBuilder(this.setup.order, this.groupIds, asRead, Math.ceil(this.lastExcluded * 1.1));
    const excludedBy: number[] = [];
    const ruleLists: (readonly string[])[] = [];
    const listIndex = new Map<string, number>();
    const rejected: RejectedRow[] = [];
    const tally = this.setup.tally ? new RowTally() : undefined;
    let misquoted = false;
    let read = 0;
    // Decoded a slice at a time: a slice's text is small enough for the young generation, whose
    // memory is reused, where one text for the whole piece would be fresh memory every piece (a
    // page fault per 4 KiB: docs/benchmarks.md).
    const readRecords = (): void => {
      for (let record = parser.read(); record !== undefined; record = parser.read()) {
        if (header) {
          header = false;
          continue;
        }
        read++;
        if (record.problem === PROBLEM_QUOTE_IN_UNQUOTED || record.problem === PROBLEM_TEXT_AFTER_QUOTE) misquoted = true;
        const row = this.validator.validate(csvRawRecord(record, read, this.setup.headerLength));
        if (isRejected(row)) {
          rejected.push(row);
          continue;
        }
        const matched = this.rules.match(row);
        const into = matched.length === 0 ? kept : excluded;
        if (asRead !== undefined && parser.plainEnd >= 0) into.addAsRead(row, record.fields, parser.plainStart, parser.plainEnd);
        else into.add(row);
        if (matched.length === 0) {
          tally?.add(row);
          continue;
        }
        const text = matched.join(';');
        let index = listIndex.get(text);
        if (index === undefined) {
          index = ruleLists.push(matched) - 1;
          listIndex.set(text, index);
        }
        excludedBy.push(index);
      }
    };
    for (let at = 0; at < bytes.length; at += DECODED_BYTES) {
      parser.write(bytes.subarray(at, at + DECODED_BYTES));
      readRecords();
    }
    parser.finish();
    readRecords();
    const take = (size: number) => this.lineBuffers.take(size);
    const keptRows = kept.finish(take);
    const excludedRows = excluded.finish(take);
    this.lastKept = keptRows.rows.count;
    this.lastExcluded = excludedRows.rows.count;
    const rows: ChunkRows = {
      read,
      kept: keptRows.rows,
      excluded: excludedRows.rows,
      excludedBy: Int32Array.from(excludedBy),
      newGroupKeys: this.groupIds.texts.slice(firstNewGroup),
      firstNewGroup,
      ruleLists,
      rejected,
      tally: tally?.rawCounts(),
      misquoted,
    };
    return { rows, transfer: [...keptRows.transfer, ...excludedRows.transfer, rows.excludedBy.buffer as ArrayBuffer] };
  }

  /** Takes back buffers of lines this thread prepared, once the lines are in the spill file, to fill again. */
  recycleLines(buffers: readonly ArrayBufferLike[]): void {
    for (const buffer of buffers) this.lineBuffers.give(buffer);
  }
}
