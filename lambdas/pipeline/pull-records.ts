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
 * The parser's remaining items as an async iterator, converted one by one, pulling input only when
 * the buffered text runs out. Items already buffered are handed out without an extra await per
 * item (an async generator costs about twice as much per record). Stopping early or failing closes
 * the input.
 */
export function pullRecords<T, U>(
  parser: PullParser<T>,
  input: AsyncIterator<Uint8Array>,
  convert: (item: T) => U,
): AsyncIterableIterator<U> {
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
  const iterator: AsyncIterableIterator<U> = {
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
    [Symbol.asyncIterator](): AsyncIterableIterator<U> {
      return iterator;
    },
  };
  return iterator;
}
