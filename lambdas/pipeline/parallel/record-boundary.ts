/**
 * Where a piece of a CSV file may end so that a worker thread can parse it alone: after a line feed
 * that is outside quotes. In RFC 4180 CSV a quote either opens or closes a quoted field, and `""`
 * inside one is two quotes, so a line feed is outside quotes exactly when an even number of quotes
 * precedes it since the last record start. A quote where RFC 4180 allows none (`ab"c`) breaks that
 * count; the worker that parses such a record says so and the run reads the file on one thread
 * (chunk-rows.ts, `misquoted`).
 */
const QUOTE = 0x22;
const LF = 0x0a;

/**
 * The end (just after the line feed) of the last whole record in `bytes`, which starts at a record
 * start; -1 when no line feed in it is outside quotes.
 */
export function lastRecordEnd(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  let quoted = false;
  let from = 0;
  for (;;) {
    const quote = buffer.indexOf(QUOTE, from);
    const regionEnd = quote === -1 ? buffer.length : quote;
    if (!quoted && regionEnd > from) {
      const lf = buffer.lastIndexOf(LF, regionEnd - 1);
      if (lf >= from) end = lf + 1;
    }
    if (quote === -1) return end;
    quoted = !quoted;
    from = quote + 1;
  }
}
