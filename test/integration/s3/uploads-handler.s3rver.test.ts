/**
 * Files uploaded to a day, end to end: the deployed entry point (middy, Powertools, the real S3
 * adapters) is handed what the upload queue's event source mapping hands it — SQS messages each
 * carrying an EventBridge S3 `Object Created` event — and reads the uploads from a versioned bucket
 * on the wire (s3rver behind the conditional and versioning proxies); the database edge is a
 * stand-in for OracleSource serving fixed rows. Each date of a batch runs once; the manifest lists
 * every upload read with its key, version id and rows, and every upload left out with the reason;
 * the Oracle rows publish whatever the uploads hold; a scheduled run reads the day's uploads too.
 */
import { readFileSync } from 'node:fs';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Manifest } from '../../../lambdas/pipeline/manifest.js';
import { captureOutput, lambdaContext } from '../../helpers/lambda-harness.js';
import { recordOf } from '../../helpers/memory-ports.js';
import { CREDENTIALS, useVersionedS3 } from '../../helpers/versioned-s3.js';
import { buildWorkbook, text } from '../../helpers/xlsx-builder.js';

// The rows the stand-in for OracleSource serves: the day's window.
const oracle = vi.hoisted(() => ({ rows: [] as (string | null)[][] }));
vi.mock('../../../lambdas/adapters/oracle/source.js', async () => {
  const { MemorySource } = await import('../../helpers/memory-ports.js');
  const { COLUMNS } = await import('../../../lambdas/pipeline/columns.js');
  return {
    OracleSource: class extends MemorySource {
      override readonly description: string = 'oracle:DESK.COLORS';
      constructor() {
        super([...COLUMNS], oracle.rows);
      }
    },
  };
});

const BUCKET = 'mp-results';
const PREFIX = 'colors';
const s3 = useVersionedS3([BUCKET]);
let client: S3Client;
let written: string[];
const saved: Record<string, string | undefined> = {};

const ORACLE_ROWS = [
  recordOf({
    MESSAGE_ID: '1',
    CUSIP: '02174CAA7',
    DATE: '2026-11-20T10:00:00',
    PX: '99.5',
    SOURCE: 'CITI',
    BIAS: 'BID',
    RANK: '2',
    CONFIDENCE: '8',
  }),
  recordOf({ MESSAGE_ID: '2', CUSIP: '07935GAA7', DATE: '2026-11-20T11:00:00', PX: '95', SOURCE: 'JPM', RANK: '1' }),
];
// Every column the sample config reads (its ranking order and its active rules), as the run demands.
const HEADER = 'MESSAGE_ID,CUSIP,DATE,PX,SOURCE,BIAS,RANK,CONFIDENCE';
/** The same color as the first Oracle row, as the desk's sheet has it: a duplicate the run drops. */
const DUPLICATE_OF_ORACLE = '1,02174CAA7,2026-11-20T10:00:00,99.5,CITI,BID,2,8';

beforeAll(async () => {
  client = s3.client();
  const env = {
    STAGE: 'test',
    RESULTS_BUCKET: BUCKET,
    RESULTS_PREFIX: PREFIX,
    SCHEDULE_TZ: 'America/New_York',
    CONFIG_BUCKET: BUCKET,
    CONFIG_KEY: 'config/desk.json',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    // s3rver stores aws-chunked framing verbatim; real S3 needs no such setting.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
  };
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  // The sample config with dedupe on: an upload that repeats an Oracle row exactly is a duplicate.
  const config = { ...JSON.parse(readFileSync('samples/config.json', 'utf8')), dedupe: true };
  await s3.put(BUCKET, 'config/desk.json', JSON.stringify(config));
});
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});
beforeEach(() => {
  oracle.rows = ORACLE_ROWS;
  written = captureOutput();
});
afterEach(() => vi.restoreAllMocks());

const uploadKey = (asOf: string, name: string) => `${PREFIX}/uploads/as-of=${asOf}/${name}`;

/** An SQS batch as the event source mapping delivers it: one EventBridge S3 event per message. */
function sqsBatch(keys: readonly string[]): SQSEvent {
  return {
    Records: keys.map((key, index) => ({
      messageId: `message-${index + 1}`,
      receiptHandle: `handle-${index + 1}`,
      body: JSON.stringify({
        version: '0',
        id: `event-${index + 1}`,
        'detail-type': 'Object Created',
        source: 'aws.s3',
        account: '111111111111',
        time: '2026-11-20T19:00:00Z',
        region: 'us-east-1',
        resources: [`arn:aws:s3:::${BUCKET}`],
        detail: { version: '0', bucket: { name: BUCKET }, object: { key, size: 1 }, reason: 'PutObject' },
      }),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1795201200000',
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: '1795201200000',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:111111111111:market-pulse-test-uploads',
      awsRegion: 'us-east-1',
    })),
  };
}

async function invoke(event: unknown): Promise<unknown> {
  const { handler } = await import('../../../lambdas/run-colors/handler.js');
  return handler(event, lambdaContext('market-pulse-test-run-colors', 60_000));
}

async function read(key: string): Promise<string> {
  const response = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return response.Body!.transformToString('utf8');
}

/** The manifests of the date's runs, oldest first. */
async function manifests(asOf: string): Promise<Manifest[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/runs/as-of=${asOf}/` }));
  const keys = (listed.Contents ?? []).map(({ Key }) => Key!).filter((key) => key.endsWith('/manifest.json'));
  return (await Promise.all(keys.sort().map(read))).map((body) => JSON.parse(body) as Manifest);
}

function logLines(): Record<string, unknown>[] {
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{') && !line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const versionOf = (key: string) => s3.versioning.versionsOf(BUCKET, key).at(-1)!.versionId;

describe('files uploaded to a day', () => {
  it('ten uploads in one batch make one run, which ranks them with the Oracle rows as one set and lists each with its version', async () => {
    const asOf = '2026-11-20';
    const keys: string[] = [];
    for (let n = 1; n <= 8; n++) {
      keys.push(uploadKey(asOf, `desk-${n}.csv`));
      await s3.put(BUCKET, keys.at(-1)!, `${HEADER}\n${100 + n},02174CAA7,2026-11-20T1${n % 10}:30:00,9${n},DESK${n},BID,${n + 2},8\n`);
    }
    keys.push(uploadKey(asOf, 'late.jsonl'));
    await s3.put(BUCKET, keys.at(-1)!, '{"MESSAGE_ID":"201","CUSIP":"912828ZZ1","DATE":"2026-11-20T15:00:00","PX":"101"}\n');
    keys.push(uploadKey(asOf, 'Color today.xlsx'));
    const workbook = buildWorkbook([
      {
        name: 'Color today',
        rows: [
          HEADER.split(','),
          DUPLICATE_OF_ORACLE.split(',').map((value) => text(value)),
          [text('4292908303382310338'), text('07935GAA7'), text('2026-11-20T16:00:00'), 96, text('MS'), text('OFFER'), 1, 9],
        ],
      },
    ]);
    await s3.put(BUCKET, keys.at(-1)!, workbook);

    expect(await invoke(sqsBatch(keys))).toEqual({ batchItemFailures: [] });

    const [manifest, ...others] = await manifests(asOf);
    expect(others).toEqual([]);
    expect(manifest!.rejectedUploads).toEqual([]);
    const inputs = manifest!.inputs!;
    expect(inputs.map((input) => input.key ?? input.source)).toEqual(['oracle:DESK.COLORS', ...[...keys].sort()]);
    for (const input of inputs.slice(1)) {
      expect(input.versionId).toBe(versionOf(input.key!));
      expect(input.source).toBe(`s3://${BUCKET}/${input.key}`);
      expect(input.read).toBe(input.ranked + input.excluded + input.rejected);
    }
    const workbookInput = inputs.find((input) => input.key === uploadKey(asOf, 'Color today.xlsx'))!;
    expect(workbookInput).toMatchObject({ read: 2, ranked: 1, excluded: 1, rejected: 0 });
    expect(inputs[0]).toMatchObject({ source: 'oracle:DESK.COLORS', firstSourceRow: 1, read: 2, ranked: 2 });
    expect(manifest!.counts).toMatchObject({ read: 13, ranked: 12, excluded: 1, rejected: 0 });
    expect(manifest!.counts.excludedByRule.duplicate).toBe(1);

    // One hierarchy: each CUSIP has one parent, whichever input its rows came from.
    const colors = (await read(`${PREFIX}/runs/as-of=${asOf}/run-id=${manifest!.runId}/colors.csv`)).trim().split('\n');
    const column = (name: string) => colors[0]!.split(',').indexOf(name);
    const parents = colors.slice(1).filter((line) => line.split(',')[column('IS_PARENT')] === 'true');
    expect(parents.map((line) => line.split(',')[column('CUSIP')]).sort()).toEqual(['02174CAA7', '07935GAA7', '912828ZZ1']);
    expect(colors).toHaveLength(1 + 12);

    const planned = logLines().filter((line) => line.message === 'run planned');
    expect(planned).toEqual([expect.objectContaining({ asOf, trigger: 'upload', key: keys[0] })]);
    expect(JSON.parse(await read(`${PREFIX}/runs/as-of=${asOf}/latest.json`))).toMatchObject({ runId: manifest!.runId });
  });

  it('a batch naming two dates runs each once, each with its own uploads', async () => {
    const first = uploadKey('2026-11-18', 'a.csv');
    const second = uploadKey('2026-11-19', 'b.csv');
    await s3.put(BUCKET, first, `${HEADER}\n301,02174CAA7,2026-11-18T10:00:00,98,GS,BID,1,8\n`);
    await s3.put(BUCKET, second, `${HEADER}\n302,02174CAA7,2026-11-19T10:00:00,97,GS,BID,1,8\n`);

    expect(await invoke(sqsBatch([first, second, first]))).toEqual({ batchItemFailures: [] });

    const [on18] = await manifests('2026-11-18');
    const [on19] = await manifests('2026-11-19');
    expect((await manifests('2026-11-18')).length + (await manifests('2026-11-19')).length).toBe(2);
    expect(on18!.inputs!.map((input) => input.key ?? input.source)).toEqual(['oracle:DESK.COLORS', first]);
    expect(on19!.inputs!.map((input) => input.key ?? input.source)).toEqual(['oracle:DESK.COLORS', second]);
  });

  it('leaves a bad upload out, names it in rejectedUploads with the version looked at, and publishes the Oracle rows', async () => {
    const asOf = '2026-11-16';
    const good = uploadKey(asOf, 'good.csv');
    const renamed = uploadKey(asOf, 'renamed.xlsx');
    const noId = uploadKey(asOf, 'no-id.csv');
    const noRank = uploadKey(asOf, 'no-rank.csv');
    const notes = uploadKey(asOf, 'notes.txt');
    await s3.put(BUCKET, good, `${HEADER}\n401,02174CAA7,2026-11-16T10:00:00,98,GS,BID,1,8\n`);
    await s3.put(BUCKET, renamed, `${HEADER}\n402,02174CAA7,2026-11-16T10:00:00,98,GS,BID,1,8\n`);
    await s3.put(BUCKET, noId, 'CUSIP,DATE,PX,SOURCE,BIAS,RANK,CONFIDENCE\n02174CAA7,2026-11-16,98,GS,BID,1,8\n');
    await s3.put(BUCKET, noRank, 'MESSAGE_ID,CUSIP,DATE,PX,SOURCE,BIAS,RNK,CONFIDENCE\n403,02174CAA7,2026-11-16,98,GS,BID,1,8\n');
    await s3.put(BUCKET, notes, 'the desk was here\n');

    expect(await invoke(sqsBatch([renamed]))).toEqual({ batchItemFailures: [] });

    const [manifest] = await manifests(asOf);
    expect(manifest!.rejectedUploads).toEqual([
      {
        key: noId,
        versionId: versionOf(noId),
        reason: 'the header lacks the required column MESSAGE_ID (found: CUSIP, DATE, PX, SOURCE, BIAS, RANK, CONFIDENCE)',
      },
      {
        key: noRank,
        versionId: versionOf(noRank),
        reason:
          'the header lacks a column the config reads: RANK (read by the ranking order; the header has "RNK"). ' +
          'Add it to the input or change the config; the upload is left out of the run',
      },
      {
        key: notes,
        versionId: versionOf(notes),
        reason: 'unsupported extension ".txt"; use .csv for CSV, .jsonl / .ndjson for JSON Lines, or .xlsx for an Excel workbook',
      },
      {
        key: renamed,
        versionId: versionOf(renamed),
        reason: 'not an .xlsx workbook (it is text, not a zip file: a CSV renamed to .xlsx? Give it its own extension)',
      },
    ]);
    expect(manifest!.inputs!.map((input) => input.key ?? input.source)).toEqual(['oracle:DESK.COLORS', good]);
    expect(manifest!.counts).toMatchObject({ read: 3, ranked: 3 });
    expect(JSON.parse(await read(`${PREFIX}/runs/as-of=${asOf}/latest.json`))).toMatchObject({ runId: manifest!.runId });
    const warned = logLines().filter((line) => line.message === 'upload left out of the run');
    expect(warned.map((line) => line.key)).toEqual([noId, noRank, notes, renamed]);
  });

  it('a scheduled run reads the uploads of its date too', async () => {
    const asOf = '2026-11-13';
    const key = uploadKey(asOf, 'friday.csv');
    await s3.put(BUCKET, key, `${HEADER}\n501,02174CAA7,2026-11-13T10:00:00,98,GS,BID,1,8\n`);

    // 03:30 UTC on the 14th is the evening of the 13th in New York.
    const result = (await invoke({ scheduledTime: '2026-11-14T03:30:00Z' })) as { status: string; runId: string };
    expect(result.status).toBe('published');
    const [manifest] = await manifests(asOf);
    expect(manifest!.runId).toBe(result.runId);
    expect(manifest!.inputs).toEqual([
      expect.objectContaining({ source: 'oracle:DESK.COLORS', read: 2 }),
      expect.objectContaining({ key, versionId: versionOf(key), firstSourceRow: 3, read: 1, ranked: 1 }),
    ]);
  });
});
