/**
 * A file uploaded to a day, already checked (upload-check.ts), as one input of the day's run: its
 * bytes are fetched again — the same pinned version, so the same bytes — when its records are
 * first read, not when the run opens its inputs. A run's union of inputs (union-source.ts) opens
 * every input before it reads the first, and an S3 object opened that early would sit unread
 * behind the Oracle window for longer than the request timeout allows; the header the run needs on
 * opening is the one the check read.
 */
import { SourceError } from '../errors.js';
import type { ColorSource, InputOrigin, OpenedSource, RawRecord, RecordIterator, RecordKeys, Records } from './ports.js';
import { openRecords } from './readers/open-records.js';
import type { CheckedUpload } from './upload-check.js';

const NO_KEYS: RecordKeys = { columns: new Set(), unknown: [], unknownCount: 0 };

export class UploadSource implements ColorSource {
  constructor(
    readonly description: string,
    readonly origin: InputOrigin,
    private readonly checked: CheckedUpload,
    /** The upload's bytes, fetched anew for each read. */
    private readonly fetch: () => Promise<AsyncIterable<Uint8Array>>,
  ) {}

  async open(): Promise<OpenedSource> {
    const { description, checked, fetch } = this;
    let opened: OpenedSource | undefined;
    const openOnce = async (): Promise<RecordIterator> => {
      opened = await openRecords(checked.format, await fetch(), description);
      if (opened.header.join('\u0000') !== checked.header.join('\u0000')) {
        await opened.records[Symbol.asyncIterator]().return?.();
        throw new SourceError(`${description}: its header changed between the check and the read; the run stops rather than guess`);
      }
      return opened.records[Symbol.asyncIterator]();
    };
    const records: Records = {
      [Symbol.asyncIterator](): RecordIterator {
        let iterator: Promise<RecordIterator> | undefined;
        return {
          next: async (): Promise<IteratorResult<RawRecord>> => {
            iterator ??= openOnce();
            return (await iterator).next();
          },
          return: async (): Promise<IteratorResult<RawRecord>> => {
            if (iterator === undefined) return { done: true, value: undefined };
            return (await iterator).return?.() ?? { done: true, value: undefined };
          },
        };
      },
    };
    // A JSON Lines file's columns are its records' keys (ports.ts OpenedSource.recordKeys), known once they are read.
    const recordKeys = checked.format === 'jsonl' ? () => opened?.recordKeys?.() ?? NO_KEYS : undefined;
    return { header: checked.header, records, ...(recordKeys ? { recordKeys } : {}) };
  }
}
