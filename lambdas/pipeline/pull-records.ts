/**
 * Turning a push parser (bytes in, items out) into an async iterator that pulls input only when
 * the parser runs dry. Shared by the CSV and JSON Lines readers.
 */

/** What {@link pullRecords} needs of a parser: bytes in, items out one at a time. */
export interface PullParser<T> {
  write(chunk: Uint8Array): void;
  finish(): void;
  /** The next complete item, or undefined when more input is needed (or none is left). */
  read(): T | undefined;
  /** True once finished and every item has been read. */
  readonly done: boolean;
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
 * An async iterator that can also hand out the items it already holds synchronously. Awaiting each
 * of a million records costs a promise and a microtask turn apiece; {@link forEachRecord} takes
 * what is buffered in a plain loop and awaits only when the source must read more.
 */
export interface BufferedIterator<T> extends AsyncIterableIterator<T> {
  /** The next item if it is already in memory, else undefined (then call `next`). */
  readBuffered(): T | undefined;
}

/**
 * Calls `each` for every record of `records`, in order, using {@link BufferedIterator.readBuffered}
 * when the source offers it. Like `for await`: if `each` (or reading a buffered record) throws, the
 * source is closed and the error passed on; a source whose `next` fails has ended itself.
 */
export async function forEachRecord<T>(records: AsyncIterable<T>, each: (record: T) => void): Promise<void> {
  const iterator = records[Symbol.asyncIterator]();
  const buffered = (iterator as Partial<BufferedIterator<T>>).readBuffered?.bind(iterator);
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
 * The parser's remaining items as an async iterator, converted one by one, pulling input only when
 * the buffered text runs out. Items already buffered are handed out without an extra await per
 * item (an async generator costs about twice as much per record), or with none at all through
 * `readBuffered`. Stopping early or failing closes the input.
 */
export function pullRecords<T, U>(
  parser: PullParser<T>,
  input: AsyncIterator<Uint8Array>,
  convert: (item: T) => U,
): BufferedIterator<U> {
  let finished = false;
  const close = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    await input.return?.();
  };
  const end: IteratorReturnResult<undefined> = { value: undefined, done: true };
  const slow = async (): Promise<IteratorResult<U>> => {
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
  const iterator: BufferedIterator<U> = {
    readBuffered(): U | undefined {
      if (finished) return undefined;
      const item = parser.read();
      return item === undefined ? undefined : convert(item);
    },
    next(): Promise<IteratorResult<U>> {
      if (finished) return Promise.resolve(end);
      try {
        const item = parser.read();
        if (item !== undefined) return Promise.resolve({ value: convert(item), done: false });
      } catch (error) {
        return close().then(() => Promise.reject(error));
      }
      return slow();
    },
    async return(): Promise<IteratorResult<U>> {
      await close();
      return end;
    },
    [Symbol.asyncIterator](): BufferedIterator<U> {
      return iterator;
    },
  };
  return iterator;
}
