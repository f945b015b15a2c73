/**
 * Several inputs read as one source (README, "Several inputs"): a CSV, a JSON Lines file and a
 * workbook in one run, their rows deduplicated, excluded and ranked as one set. Every input's
 * header is checked on opening as if it were the only input (required columns, columns the config
 * reads), so a bad file stops the run before anything is read. Records keep their order, input by
 * input, and are numbered on: an input's SOURCE_ROW is its own row number plus the last SOURCE_ROW
 * of the inputs before it, and the manifest lists where each input starts.
 */
import { type ColumnUses, headerColumnWarnings } from './column-check.js';
import { COLUMNS, type ColumnName } from './columns.js';
import type { ColorSource, InputOrigin, OpenedSource, RawRecord, RecordKeys, Records, SourceInput, SourceInputs } from './ports.js';
import { type HeaderMapping, nullTexts, resolveHeader } from './schema.js';

interface OpenedInput {
  readonly source: string;
  readonly origin?: InputOrigin;
  readonly opened: OpenedSource;
  readonly mapping: HeaderMapping;
}

export class UnionSource implements ColorSource {
  readonly description: string;

  /** `uses`: the columns the run's config reads, which every input with a header must have. */
  constructor(
    private readonly sources: readonly ColorSource[],
    private readonly uses: ColumnUses,
  ) {
    if (sources.length === 0) throw new Error('UnionSource needs at least one source');
    this.description = sources.map((source) => source.description).join(' + ');
  }

  async open(): Promise<OpenedSource> {
    const inputs: OpenedInput[] = [];
    const warnings: string[] = [];
    try {
      for (const source of this.sources) {
        const opened = await source.open();
        const mapping = resolveHeader(opened.header, source.description);
        inputs.push({ source: source.description, ...(source.origin ? { origin: source.origin } : {}), opened, mapping });
        warnings.push(...inputHeaderWarnings(inputs.at(-1)!, this.uses));
      }
    } catch (error) {
      // The records were never iterated: close every input opened so far.
      await Promise.all(inputs.map(({ opened }) => opened.records[Symbol.asyncIterator]().return?.()));
      throw error;
    }
    const starts: number[] = [];
    const records: Records = {
      async *[Symbol.asyncIterator]() {
        let offset = 0;
        for (const { opened, mapping } of inputs) {
          starts.push(offset + 1);
          let last = 0;
          for await (const record of opened.records) {
            last = record.sourceRow;
            yield remap(record, mapping, offset);
          }
          offset += last;
        }
      },
    };
    const sourceInputs: SourceInputs = {
      indexOf(sourceRow) {
        let index = starts.length - 1;
        while (index > 0 && starts[index]! > sourceRow) index--;
        return index;
      },
      list: (): SourceInput[] => inputs.map(({ source, origin }, index) => ({ source, firstSourceRow: starts[index] ?? 0, ...origin })),
    };
    return { header: COLUMNS, records, recordKeys: () => unionKeys(inputs), warnings, inputs: sourceInputs };
  }
}

/** What a run warns about one input's header, as it would if the input were the run's only one. */
function inputHeaderWarnings({ source, opened, mapping }: OpenedInput, uses: ColumnUses): string[] {
  // A JSON Lines input's header is every column: its records speak for themselves (unionKeys).
  if (opened.recordKeys) return [];
  return [...(opened.warnings ?? []), ...headerColumnWarnings(mapping, uses, source)];
}

/** The record with its values in COLUMNS order and its SOURCE_ROW moved past the inputs before it. */
function remap(record: RawRecord, mapping: HeaderMapping, offset: number): RawRecord {
  const values = nullTexts();
  for (let index = 0; index < COLUMNS.length; index++) {
    const position = mapping.positions[index]!;
    if (position >= 0) values[index] = record.values[position] ?? null;
  }
  return { ...record, sourceRow: record.sourceRow + offset, values };
}

/** The columns any input had (by its header, or its records' keys) and the keys no input could use. */
function unionKeys(inputs: readonly OpenedInput[]): RecordKeys {
  const columns = new Set<ColumnName>();
  const unknown: string[] = [];
  let unknownCount = 0;
  for (const { opened, mapping } of inputs) {
    if (opened.recordKeys) {
      const keys = opened.recordKeys();
      for (const column of keys.columns) columns.add(column);
      unknown.push(...keys.unknown);
      unknownCount += keys.unknownCount;
    } else {
      COLUMNS.forEach((column, index) => {
        if (mapping.positions[index]! >= 0) columns.add(column);
      });
    }
  }
  return { columns, unknown, unknownCount };
}
