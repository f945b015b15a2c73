/**
 * The reading stage of a run (run.ts): opens the source, checks its header, and reads every record
 * into {@link SortedRows} — on worker threads when the request can (parallel/), else here, row by
 * row — while the runs before this one are looked up for the report.
 */
import { columnUses, headerColumnWarnings, recordKeyWarnings } from './column-check.js';
import { COLUMNS } from './columns.js';
import { InputCounts } from './input-counts.js';
import type { RawRecord } from './ports.js';
import { forEachRecord } from './readers/pull-records.js';
import { findPreviousRuns, type PreviousRun } from './report/previous-runs.js';
import { type CompiledRules, compileRules, DUPLICATE_RULE } from './rules.js';
import type { RunRequest } from './run.js';
import { type ColorRow, type HeaderMapping, isRejected, RowValidator, resolveHeader } from './schema.js';
import { type RowsJob, SortedRows } from './sorted-rows.js';
import { ZoneClock } from './time-zone.js';

export const PROGRESS_EVERY = 250_000;

const DUPLICATE: readonly string[] = [DUPLICATE_RULE];

/** What reading a run's input gives the steps after it. */
export interface ReadRun {
  /** The run's clock (`request.now`, or the system's), and when it started. */
  readonly now: () => Date;
  readonly startedAt: Date;
  readonly clock: ZoneClock;
  readonly source: string;
  readonly sorted: SortedRows;
  readonly activeRuleNames: readonly string[];
  readonly inputCounts: InputCounts | undefined;
  /** The runs before this one, looked up while the rows were read; never rejects (previous-runs.ts). Let go once the report is rendered. */
  previous: Promise<readonly PreviousRun[] | null> | undefined;
}

/** Reads the request's source; the caller releases the rows (`SortedRows.release`) once done with them. */
export async function readRun(request: RunRequest): Promise<ReadRun> {
  const now = request.now ?? (() => new Date());
  const startedAt = now();
  const { config } = request.config;
  const clock = new ZoneClock(config.window.timeZone);

  const opened = await request.source.open();
  const source = request.source.description;
  const uses = columnUses(config.ranking.order, config.rules);
  let mapping: HeaderMapping;
  let headerWarnings: string[];
  try {
    mapping = resolveHeader(opened.header, source);
    headerWarnings = headerColumnWarnings(mapping, uses, source);
  } catch (error) {
    // The records were never iterated: close the source (a file handle, a result set) explicitly.
    await opened.records[Symbol.asyncIterator]().return?.();
    throw error;
  }
  for (const warning of [...(opened.warnings ?? []), ...headerWarnings]) request.onWarning?.(warning);
  const rules = compileRules(config.rules, clock);
  const inputCounts = opened.inputs ? new InputCounts(opened.inputs) : undefined;
  const previous = lookUpPreviousRuns(request);
  // Rows read elsewhere carry no per-input counts: a source of several inputs is read here.
  const sorted =
    (inputCounts === undefined
      ? await readRowsElsewhere(
          request,
          { source, header: opened.header, mapping, config, onProgress: request.onProgress, onWarning: request.onWarning },
          opened.records,
        )
      : undefined) ?? (await sortRows(opened.records, new RowValidator(mapping, clock), rules, request, inputCounts));
  if (opened.recordKeys) for (const warning of recordKeyWarnings(opened.recordKeys(), uses, source)) request.onWarning?.(warning);
  const activeRuleNames = config.dedupe ? [DUPLICATE_RULE, ...rules.activeRuleNames] : rules.activeRuleNames;
  return { now, startedAt, clock, source, sorted, activeRuleNames, inputCounts, previous };
}

/** The runs published before this one, when a report is written and there is somewhere to look; null otherwise. */
function lookUpPreviousRuns(request: RunRequest): Promise<readonly PreviousRun[] | null> {
  const { publishedRuns } = request;
  if (!request.config.config.outputs.report || request.dryRun || publishedRuns === undefined) return Promise.resolve(null);
  return findPreviousRuns(publishedRuns, request.asOf, request.runId, (message) => request.onWarning?.(message));
}

/** The rows read by `request.readRows`, if it takes them; the source's records are then closed unread. */
async function readRowsElsewhere(
  request: RunRequest,
  job: Omit<RowsJob, 'progressEvery'>,
  records: AsyncIterable<RawRecord>,
): Promise<SortedRows | undefined> {
  if (request.readRows === undefined) return undefined;
  const close = async () => {
    await records[Symbol.asyncIterator]().return?.();
  };
  let sorted: SortedRows | undefined;
  try {
    sorted = await request.readRows({ ...job, progressEvery: request.progressEvery ?? PROGRESS_EVERY });
  } catch (error) {
    await close();
    throw error;
  }
  if (sorted !== undefined) await close();
  return sorted;
}

async function sortRows(
  records: AsyncIterable<RawRecord>,
  validator: RowValidator,
  rules: CompiledRules,
  request: RunRequest,
  inputCounts: InputCounts | undefined,
): Promise<SortedRows> {
  const mapping = validator.mapping;
  const seen = request.config.config.dedupe ? new Set<string>() : undefined;
  const sorted = new SortedRows(request.config.config);
  const exclude = (row: ColorRow, names: readonly string[]): void => {
    sorted.exclude(row, names);
    inputCounts?.add(row.sourceRow, 'excluded');
  };
  const progressEvery = request.progressEvery ?? PROGRESS_EVERY;
  await forEachRecord(records, (record) => {
    sorted.read++;
    if (sorted.read % progressEvery === 0) request.onProgress?.(sorted.read);
    const row = validator.validate(record);
    if (isRejected(row)) {
      sorted.rejected.push(row);
      inputCounts?.add(row.sourceRow, 'rejected');
      return;
    }
    if (seen !== undefined) {
      const key = dedupeKey(record, mapping);
      if (seen.has(key)) {
        exclude(row, DUPLICATE);
        return;
      }
      seen.add(key);
    }
    const matched = rules.match(row);
    if (matched.length > 0) exclude(row, matched);
    else {
      sorted.keep(row);
      inputCounts?.add(row.sourceRow, 'ranked');
    }
  });
  return sorted;
}

/** Exact repeat = every color column equal as read (raw text, before trimming or parsing). */
function dedupeKey(record: RawRecord, mapping: HeaderMapping): string {
  let key = '';
  for (let index = 0; index < COLUMNS.length; index++) {
    const position = mapping.positions[index]!;
    const value = position < 0 ? null : (record.values[position] ?? null);
    // \u0000 separates fields and \u0001 marks null, so no two distinct rows share a key.
    key += value === null ? '\u0001\u0000' : `${value}\u0000`;
  }
  return key;
}
