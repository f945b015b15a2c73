import { describe, expect, it } from 'vitest';
import type { RawRecord, Records } from '../../../lambdas/pipeline/ports.js';
import { CsvParser, type CsvRecord } from '../../../lambdas/pipeline/readers/csv-parser.js';
import { forEachRecord, pullRecords } from '../../../lambdas/pipeline/readers/pull-records.js';

/** Input chunks that record whether the consumer closed them. */
function chunks(texts: string[]) {
  const state = { closed: false, reads: 0 };
  const iterator: AsyncIterator<Uint8Array> = {
    async next() {
      const text = texts[state.reads++];
      return text === undefined ? { value: undefined, done: true } : { value: new TextEncoder().encode(text), done: false };
    },
    async return() {
      state.closed = true;
      return { value: undefined, done: true };
    },
  };
  return { iterator, state };
}

let sourceRow = 0;
const toRecord = (record: CsvRecord): RawRecord => ({ sourceRow: ++sourceRow, values: record.fields });
const joined = (record: RawRecord): string => record.values.join('=');

describe('forEachRecord', () => {
  it('hands out every record in order, buffered ones without awaiting each', async () => {
    const { iterator, state } = chunks(['a,1\nb,2\nc', ',3\n', 'd,4']);
    const records = pullRecords(new CsvParser(), iterator, toRecord);
    let awaited = 0;
    const next = records.next.bind(records);
    records.next = () => {
      awaited++;
      return next();
    };
    const seen: string[] = [];
    await forEachRecord(records, (record) => seen.push(joined(record)));
    expect(seen).toEqual(['a=1', 'b=2', 'c=3', 'd=4']);
    // Only when the parser runs dry: before 'a', 'c' and 'd' (each needs a chunk), and at the end.
    expect(awaited).toBe(4);
    expect(state.closed).toBe(false);
  });

  it('works on any async iterable of records', async () => {
    async function* three(): AsyncGenerator<RawRecord> {
      for (let n = 1; n <= 3; n++) yield { sourceRow: n, values: [String(n)] };
    }
    const records: Records = three();
    const seen: string[] = [];
    await forEachRecord(records, (record) => seen.push(joined(record)));
    expect(seen).toEqual(['1', '2', '3']);
  });

  it("hands out the item already read first, then the parser's", async () => {
    const { iterator } = chunks(['b\nc\n']);
    const seen: string[] = [];
    await forEachRecord(pullRecords(new CsvParser(), iterator, toRecord, { fields: ['a'], line: 1 }), (record) =>
      seen.push(joined(record)),
    );
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('closes the input when the callback throws, and passes the error on', async () => {
    const { iterator, state } = chunks(['a\nb\nc\n', 'd\n']);
    const records = pullRecords(new CsvParser(), iterator, toRecord);
    await expect(
      forEachRecord(records, (record) => {
        if (joined(record) === 'b') throw new Error('stop at b');
      }),
    ).rejects.toThrow('stop at b');
    expect(state.closed).toBe(true);
  });

  it('closes the input when the parser fails on a buffered record', async () => {
    const { iterator, state } = chunks(['a\n"unterminated']);
    const records = pullRecords(new CsvParser(), iterator, toRecord);
    await expect(forEachRecord(records, () => {})).rejects.toThrow('unterminated quoted field');
    expect(state.closed).toBe(true);
  });
});
