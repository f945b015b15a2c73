/**
 * JSON Lines input: one flat JSON object per line, each read by its own keys (README, "What a run
 * reads"). Exporters leave out null keys, so no line speaks for the others: a key a line lacks is
 * null in that row, and the header is the logical columns. Keys match column names
 * case-insensitively with surrounding spaces ignored; other keys are ignored, and named once in a
 * warning after the run (see {@link RecordKeys}). A line that is not a flat object is a rejected
 * row carrying its text, never a failed run — unless the very first line does not even start with
 * "{", which says the file is not JSON Lines at all.
 */
import { SourceError } from '../../errors.js';
import { COLUMN_INDEX, COLUMNS, type ColumnName, isColumnName } from '../columns.js';
import type { OpenedSource, RawRecord, RecordKeys } from '../ports.js';
import { normalizeHeaderName, nullTexts } from '../schema.js';
import { type JsonLine, JsonLineScanner, NOT_AN_OBJECT } from './json-line-scanner.js';
import { LineSplitter, type SplitLine } from './line-splitter.js';
import { pullRecords, readFirst } from './pull-records.js';

export const PROBLEM_JSONL_INVALID_UTF8 = 'invalid UTF-8';

/** Unknown keys named in the warning; a feed with thousands of them is described by the count. */
const UNKNOWN_KEYS_NAMED = 20;

/** Where a key goes: a column's index, or IGNORED for a key that is no color column. */
const IGNORED = -1;

/**
 * Resolves each key spelling to a column once (keys repeat on every line) and remembers which
 * columns any line had and which other keys appeared.
 */
class KeyIndex {
  private readonly targets = new Map<string, number>();
  private readonly seen: boolean[] = COLUMNS.map(() => false);
  private readonly unknown = new Set<string>();

  target(key: string): number {
    let target = this.targets.get(key);
    if (target === undefined) {
      const name = normalizeHeaderName(key);
      target = isColumnName(name) ? COLUMN_INDEX[name] : IGNORED;
      if (target === IGNORED) this.unknown.add(key.trim());
      else this.seen[target] = true;
      // Bounded: a feed whose keys never repeat resolves each again rather than fill memory.
      if (this.targets.size < 10_000) this.targets.set(key, target);
    }
    return target;
  }

  keys(): RecordKeys {
    const columns = new Set<ColumnName>(COLUMNS.filter((_, index) => this.seen[index]));
    return { columns, unknown: [...this.unknown].slice(0, UNKNOWN_KEYS_NAMED), unknownCount: this.unknown.size };
  }
}

/** One line as a record: each key to its column; the line itself kept as the record's raw text. */
function toRecord(line: SplitLine, parsed: JsonLine, sourceRow: number, keys: KeyIndex): RawRecord {
  const values = nullTexts();
  let problem: string | undefined;
  if (line.invalid) problem = PROBLEM_JSONL_INVALID_UTF8;
  if (parsed.syntaxError !== undefined) problem ??= `not a JSON object: ${parsed.syntaxError}`;
  problem ??= parsed.nestedProblem;
  let given = 0; // bit per column: this line had its key
  for (let index = 0; index < parsed.keys.length; index++) {
    const key = parsed.keys[index]!;
    const at = keys.target(key);
    if (at === IGNORED) continue;
    if ((given & (1 << at)) !== 0) {
      problem ??= `key "${key.trim()}" appears twice`;
      continue;
    }
    given |= 1 << at;
    values[at] = parsed.values[index] ?? null;
  }
  return problem === undefined ? { sourceRow, values, raw: line.text } : { sourceRow, values, problem, raw: line.text };
}

if (COLUMNS.length > 31) throw new Error('jsonl-reader marks columns in a 31-bit mask');

/** Opens a JSON Lines byte stream as a source. `source` names the input in errors. */
export async function readJsonlRecords(
  chunks: AsyncIterable<Uint8Array>,
  source: string,
  options: { readonly maxLineChars?: number } = {},
): Promise<OpenedSource> {
  const splitter = new LineSplitter(source, options.maxLineChars);
  const input = chunks[Symbol.asyncIterator]();
  const first = await readFirst(splitter, input);
  if (first === undefined) throw new SourceError(`${source}: the input is empty (no JSON object)`);
  const scanner = new JsonLineScanner();
  if (scanner.scan(first.text).syntaxError === NOT_AN_OBJECT) {
    await input.return?.();
    throw new SourceError(`${source}: line ${first.line} is not a JSON object (${NOT_AN_OBJECT}); JSON Lines has one object per line`);
  }
  const keys = new KeyIndex();
  let sourceRow = 0;
  // The first line, read to check the input is JSON Lines at all, is the first record.
  const records = pullRecords(splitter, input, (line: SplitLine) => toRecord(line, scanner.scan(line.text), ++sourceRow, keys), first);
  return { header: COLUMNS, records, recordKeys: () => keys.keys() };
}
