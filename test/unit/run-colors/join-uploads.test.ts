/**
 * Which of a day's uploads join the run (lambdas/run-colors/join-uploads.ts), over an upload store
 * that holds its files in memory: the limits, a file that cannot be read, a failure that is not
 * the file's (the run fails and is tried again), and each file read at the version listed.
 */
import { describe, expect, it } from 'vitest';
import type { StoredUpload, UploadStore } from '../../../lambdas/adapters/s3/day-uploads.js';
import { SourceError } from '../../../lambdas/errors.js';
import { silentLog } from '../../../lambdas/log.js';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { MAX_DAY_UPLOAD_BYTES, MAX_UPLOAD_BYTES } from '../../../lambdas/pipeline/upload-check.js';
import { gatherDayUploads, withUploads } from '../../../lambdas/run-colors/join-uploads.js';
import { MemorySource } from '../../helpers/memory-ports.js';

const FOLDER = 'p/uploads/as-of=2026-11-20/';
const CSV = 'MESSAGE_ID,CUSIP,DATE\n1,AAA,2026-11-20\n';
const NO_USES = new Map();

interface Held {
  readonly body: string | Error;
  /** What the listing says of its size (its body's by default). */
  readonly bytes?: number;
}

function store(files: Record<string, Held>): UploadStore & { reads: StoredUpload[] } {
  const reads: StoredUpload[] = [];
  return {
    reads,
    list: async () =>
      Object.entries(files).map(([name, held]) => ({
        key: `${FOLDER}${name}`,
        versionId: `v-${name}`,
        bytes: held.bytes ?? (typeof held.body === 'string' ? Buffer.byteLength(held.body) : 0),
      })),
    read: async (upload) => {
      reads.push(upload);
      const held = files[upload.key.slice(FOLDER.length)]!;
      if (held.body instanceof Error) throw held.body;
      const body = Buffer.from(held.body);
      return (async function* () {
        yield body;
      })();
    },
    describe: (key) => `s3://b/${key}`,
  };
}

describe("a day's uploads", () => {
  it('join when they pass; each is read at the version listed, once to check and once in the run', async () => {
    const uploads = store({ 'a.csv': { body: CSV } });
    const { sources, rejected } = await gatherDayUploads(uploads, '2026-11-20', NO_USES, silentLog);
    expect(rejected).toEqual([]);
    expect(sources.map((source) => [source.description, source.origin])).toEqual([
      [`s3://b/${FOLDER}a.csv`, { key: `${FOLDER}a.csv`, versionId: 'v-a.csv' }],
    ]);
    const opened = await sources[0]!.open();
    // Opening reads nothing: the object is fetched again when its records are.
    expect(uploads.reads).toHaveLength(1);
    const values = [];
    for await (const record of opened.records) values.push(record.values);
    expect(values).toEqual([['1', 'AAA', '2026-11-20']]);
    expect(uploads.reads).toEqual([uploads.reads[0], uploads.reads[0]]);
    expect(uploads.reads[0]).toMatchObject({ versionId: 'v-a.csv' });
  });

  it('are left out, unread, when one is larger than an upload may be or would take the run past its total', async () => {
    const third = Math.floor(MAX_DAY_UPLOAD_BYTES / 3);
    const uploads = store({
      'a.csv': { body: CSV, bytes: third },
      'b.csv': { body: CSV, bytes: MAX_UPLOAD_BYTES + 1 },
      'c.csv': { body: CSV, bytes: third },
      'd.csv': { body: CSV, bytes: third + 10 },
      'e.csv': { body: CSV, bytes: 10 },
    });
    const { sources, rejected } = await gatherDayUploads(uploads, '2026-11-20', NO_USES, silentLog);
    expect(sources.map((source) => source.origin?.key)).toEqual([`${FOLDER}a.csv`, `${FOLDER}c.csv`, `${FOLDER}e.csv`]);
    expect(rejected).toEqual([
      {
        key: `${FOLDER}b.csv`,
        versionId: 'v-b.csv',
        reason: 'the file is 67,108,865 bytes; an upload may be at most 67,108,864 bytes (64 MiB)',
      },
      { key: `${FOLDER}d.csv`, versionId: 'v-d.csv', reason: 'with it, the uploads this run reads would come to more than 128 MiB' },
    ]);
    expect(uploads.reads.map((read) => read.key)).toEqual([`${FOLDER}a.csv`, `${FOLDER}c.csv`, `${FOLDER}e.csv`]);
  });

  it('leave out one the store cannot read, with the reason the store gives', async () => {
    const gone = new SourceError(`s3://b/${FOLDER}a.csv: the version listed is gone (deleted before it was read)`);
    const { sources, rejected } = await gatherDayUploads(store({ 'a.csv': { body: gone } }), '2026-11-20', NO_USES, silentLog);
    expect(sources).toEqual([]);
    expect(rejected).toEqual([
      { key: `${FOLDER}a.csv`, versionId: 'v-a.csv', reason: 'the version listed is gone (deleted before it was read)' },
    ]);
  });

  it('fail the run on a failure that is not the file’s (a timeout), so that it is tried again', async () => {
    const timeout = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(gatherDayUploads(store({ 'a.csv': { body: timeout } }), '2026-11-20', NO_USES, silentLog)).rejects.toBe(timeout);
  });

  it('leave the source as it is when none passed', async () => {
    const oracle = new MemorySource([...COLUMNS], []);
    expect(withUploads(oracle, { sources: [], rejected: [] }, NO_USES)).toBe(oracle);
  });
});
