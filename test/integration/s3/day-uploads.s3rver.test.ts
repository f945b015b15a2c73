/**
 * The files uploaded to a day, read from a versioned bucket on the wire (s3rver behind the
 * conditional and versioning proxies): listed with the version each key holds now, read at exactly
 * that version even after the key is replaced, and read through as a run reads an input — a
 * workbook too, from the S3 response stream.
 */
import { describe, expect, it } from 'vitest';
import { S3DayUploads } from '../../../lambdas/adapters/s3/day-uploads.js';
import { SourceError } from '../../../lambdas/errors.js';
import type { RawRecord } from '../../../lambdas/pipeline/ports.js';
import { checkUploadRecords } from '../../../lambdas/pipeline/upload-check.js';
import { UploadSource } from '../../../lambdas/pipeline/upload-source.js';
import { useVersionedS3 } from '../../helpers/versioned-s3.js';
import { buildWorkbook, text } from '../../helpers/xlsx-builder.js';

const BUCKET = 'mp-uploads';
const s3 = useVersionedS3([BUCKET]);
const folder = (asOf: string) => `colors/uploads/as-of=${asOf}/`;
const NO_USES = new Map();

function uploads(): S3DayUploads {
  return new S3DayUploads({ client: s3.client(), bucket: BUCKET, prefix: 'colors' });
}

async function readText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

describe('S3DayUploads', () => {
  it("lists the date's keys in key order with the version each holds now, and nothing of other dates or folder placeholders", async () => {
    await s3.put(BUCKET, `${folder('2026-11-20')}b.csv`, 'MESSAGE_ID,CUSIP,DATE\n1,AAA,2026-11-20\n');
    const replaced = `${folder('2026-11-20')}a.csv`;
    await s3.put(BUCKET, replaced, 'MESSAGE_ID,CUSIP,DATE\n1,AAA,2026-11-20\n');
    const now = 'MESSAGE_ID,CUSIP,DATE\n2,BBB,2026-11-20\n3,CCC,2026-11-20\n';
    const current = await s3.put(BUCKET, replaced, now);
    await s3.put(BUCKET, folder('2026-11-20'), '');
    await s3.put(BUCKET, `${folder('2026-11-21')}c.csv`, 'MESSAGE_ID,CUSIP,DATE\n');

    const listed = await uploads().list('2026-11-20');
    expect(listed.map(({ key }) => key)).toEqual([replaced, `${folder('2026-11-20')}b.csv`]);
    expect(listed[0]).toEqual({ key: replaced, versionId: current, bytes: Buffer.byteLength(now) });
    expect(listed[1]!.versionId).toBe(s3.versioning.versionsOf(BUCKET, `${folder('2026-11-20')}b.csv`).at(-1)!.versionId);
    expect(await uploads().list('2026-11-22')).toEqual([]);
  });

  it('reads an upload at the version listed, even once the key holds another', async () => {
    const key = `${folder('2026-11-19')}late.csv`;
    await s3.put(BUCKET, key, 'first version\n');
    const store = uploads();
    const [listed] = await store.list('2026-11-19');
    await s3.put(BUCKET, key, 'second version\n');
    expect(await readText(await store.read(listed!))).toBe('first version\n');
    expect((await store.list('2026-11-19'))[0]!.versionId).not.toBe(listed!.versionId);
  });

  it('a version that is gone is a SourceError naming the upload; the run then leaves it out', async () => {
    const key = `${folder('2026-11-18')}gone.csv`;
    const error = await uploads()
      .read({ key, versionId: 'no-such-version', bytes: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toBe(`s3://${BUCKET}/${key}: the version listed is gone (deleted before it was read)`);
  });

  it('reads a workbook upload from the S3 response stream: checked through, then read again as an input of the run', async () => {
    const key = `${folder('2026-11-17')}Color today.xlsx`;
    const header = ['MESSAGE_ID', 'CUSIP', 'DATE', 'PX'];
    const workbook = buildWorkbook([
      {
        name: 'Color today',
        rows: [
          header,
          [text('4292908303382310338'), text('02174CAA7'), text('2026-11-17T10:00:00'), 99.5],
          [text('18013773746572904'), text('02174CAA7'), text('2026-11-17T11:00:00'), 99.25],
        ],
      },
    ]);
    const versionId = await s3.put(BUCKET, key, workbook);
    const store = uploads();
    const [listed] = await store.list('2026-11-17');
    expect(listed).toEqual({ key, versionId, bytes: workbook.length });

    const name = store.describe(key);
    const checked = await checkUploadRecords(await store.read(listed!), name, 'xlsx', NO_USES, 'left out');
    expect(checked).toMatchObject({ format: 'xlsx', header, rows: 2 });
    // As a run warns of it: the color columns the sheet does not have are null.
    expect(checked.warnings).toEqual([
      `${name}: the header lacks TICKER, SECTOR, PRICE_LEVEL, BID, ASK, COV_PRICE, PERCENT_DIFF, PRICE_DIFF, SOURCE, BIAS, RANK, CONFIDENCE, DATE_1, DIFF_STATUS; they are null in every row`,
    ]);

    const opened = await new UploadSource(name, { key, versionId }, checked, () => store.read(listed!)).open();
    expect(opened.header).toEqual(header);
    const records: RawRecord[] = [];
    for await (const record of opened.records) records.push(record);
    expect(records.map((record) => record.values)).toEqual([
      ['4292908303382310338', '02174CAA7', '2026-11-17T10:00:00', '99.5'],
      ['18013773746572904', '02174CAA7', '2026-11-17T11:00:00', '99.25'],
    ]);
  });
});
