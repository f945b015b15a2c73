/**
 * The records port (ports.ts) for a push parser: bytes go in, items come out, and input is pulled
 * only when the parser runs dry. Both file readers (CSV and JSON Lines) hand out their records
 * through {@link pullRecords}, with the fast path; the run reads any source with
 * {@link forEachRecord}.
 */
import type { RawRecord, RecordIterator, Records } from '../ports.js';

/** What {@link pullRecords} needs of a parser: bytes in, items out one at a time. */
export interface PullParser<T> {
  write(chunk: Uint8Array): void;
  finish(): void;
  /** The next complete item, or undefined when more input is needed (or none is left). */
  read(): T | undefined;
  /** True once finished and every item has been read. */
  readonly done: boolean;
}

/** Records with the fast path always there. */
export interface BufferedRecords extends Records, RecordIterator {
  readBuffered(): RawRecord | undefined;
  [Symbol.asyncIterator](): BufferedRecords;
}

/** Reads the first item, pulling input as needed; undefined when the input holds none. */
export async function readFirst<T>(parser: PullParser<T>, input: AsyncIterator<Uint8Array>): Promise<T | undefined> {
  try {
    for (;;) {
      const item = parser.read();
      if (item !== undefined || parser.done) return item;
      const chunk = await input.next();
      if (chunk.done) parser.finish();
      else parser.write(chunk.value);
    }
  } catch (error) {
    await input.return?.();
    throw error;
  }
}

/**
 * Calls `each` for every record, in order, taking buffered records through
 * {@link RecordIterator.readBuffered} when the source offers it. Like `for await`: if `each` (or
 * reading a buffered record) throws, the source is closed and the error passed on; a source whose
 * `next` fails has ended itself.
 */
export async function forEachRecord(records: Records, each: (record: RawRecord) => void): Promise<void> {
  const iterator = records[Symbol.asyncIterator]();
  const buffered = iterator.readBuffered?.bind(iterator);
  const closing = async (error: unknown): Promise<never> => {
    await iterator.return?.();
    throw error;
  };
  for (;;) {
    try {
      if (buffered) for (let record = buffered(); record !== undefined; record = buffered()) each(record);
    } catch (error) {
      return closing(error);
    }
    const next = await iterator.next();
    if (next.done) return;
    try {
      each(next.value);
    } catch (error) {
      return closing(error);
    }
  }
}

/**
 * The parser's items as records, converted one by one, pulling input only when the buffered text
 * runs out; `first`, an item already read (to check the input's start), is handed out before
 * them. Items already buffered are handed out without an extra await per item (an async
 * generator costs about twice as much per record), or with none at all through `readBuffered`.
 * Stopping early or failing closes the input.
 */
export function pullRecords<T>(
  parser: PullParser<T>,
  input: AsyncIterator<Uint8Array>,
  convert: (item: T) => RawRecord,
  first?: T,
): BufferedRecords {
  let pending = first;
  let finished = false;
  const take = (): T | undefined => {
    if (pending === undefined) return parser.read();
    const item = pending;
    pending = undefined;
    return item;
  };
  const close = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    await input.return?.();
  };
  const end: IteratorReturnResult<undefined> = { value: undefined, done: true };
  const slow = async (): Promise<IteratorResult<RawRecord>> => {
    try {
      for (;;) {
        const item = parser.read();
        if (item !== undefined) return { value: convert(item), done: false };
        if (parser.done) {
          finished = true;
          return end;
        }
        const chunk = await input.next();
        if (chunk.done) parser.finish();
        else parser.write(chunk.value);
      }
    } catch (error) {
      await close();
      throw error;
    }
  };
  const records: BufferedRecords = {
    readBuffered(): RawRecord | undefined {
      if (finished) return undefined;
      const item = take();
      return item === undefined ? undefined : convert(item);
    },
    next(): Promise<IteratorResult<RawRecord>> {
      if (finished) return Promise.resolve(end);
      try {
        const item = take();
        if (item !== undefined) return Promise.resolve({ value: convert(item), done: false });
      } catch (error) {
        return close().then(() => Promise.reject(error));
      }
      return slow();
    },
    async return(): Promise<IteratorResult<RawRecord>> {
      pending = undefined;
      await close();
      return end;
    },
    [Symbol.asyncIterator](): BufferedRecords {
      return records;
    },
  };
  return records;
}
