import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../../lambdas/pipeline/csv-reader.js';
import { forEachRecord, pullRecords } from '../../../lambdas/pipeline/pull-records.js';

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

describe('forEachRecord', () => {
  it('hands out every record in order, buffered ones without awaiting each', async () => {
    const { iterator, state } = chunks(['a,1\nb,2\nc', ',3\n', 'd,4']);
    const seen: string[] = [];
    await forEachRecord(pullRecords(new CsvParser(), iterator, (record) => record.fields.join('=')), (record) => seen.push(record));
    expect(seen).toEqual(['a=1', 'b=2', 'c=3', 'd=4']);
    expect(state.closed).toBe(false);
  });

  it('works on any async iterable', async () => {
    async function* three() {
      yield* [1, 2, 3];
    }
    const seen: number[] = [];
    await forEachRecord(three(), (n) => seen.push(n));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('closes the input when the callback throws, and passes the error on', async () => {
    const { iterator, state } = chunks(['a\nb\nc\n', 'd\n']);
    const records = pullRecords(new CsvParser(), iterator, (record) => record.fields[0]!);
    await expect(forEachRecord(records, (record) => {
      if (record === 'b') throw new Error('stop at b');
    })).rejects.toThrow('stop at b');
    expect(state.closed).toBe(true);
  });

  it('closes the input when the parser fails on a buffered record', async () => {
    const { iterator, state } = chunks(['a\n"unterminated']);
    const records = pullRecords(new CsvParser(), iterator, (record) => record.fields[0]!);
    await expect(forEachRecord(records, () => {})).rejects.toThrow('unterminated quoted field');
    expect(state.closed).toBe(true);
  });
});
