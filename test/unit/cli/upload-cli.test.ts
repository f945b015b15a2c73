/**
 * `market-pulse upload` in-process, SSM and S3 played by aws-sdk-client-mock (s3rver ignores
 * If-None-Match, so the condition and the checksum are checked on the request the SDK is given): a
 * bad file is refused with the run's exit code before any request; a good one is put create-only
 * with its SHA-256 and the bucket's default encryption; a name the day already has is a distinct
 * exit code, and nothing is put again without the condition.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../bin/cli/exit-codes.js';
import { main } from '../../../bin/cli/main.js';
import { buildWorkbook, text } from '../../helpers/xlsx-builder.js';

const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);
const RESULTS = 's3://mp-results/colors';
// Every column the bundled config reads: its ranking order and its active rules.
const HEADER = 'MESSAGE_ID,CUSIP,DATE,PX,SOURCE,BIAS,RANK,CONFIDENCE';
const GOOD = `${HEADER}\n4292908303382310338,02174CAA7,2026-11-20T10:00:00,99.5,GS,BID,1,8\n`;
let work: string;
let savedRegion: string | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mp-upload-cli-'));
  savedRegion = process.env.AWS_REGION;
  process.env.AWS_REGION = 'eu-central-1';
});
afterAll(async () => {
  if (savedRegion === undefined) delete process.env.AWS_REGION;
  else process.env.AWS_REGION = savedRegion;
  await rm(work, { recursive: true, force: true });
});
beforeEach(() => {
  ssm.reset();
  s3.reset();
  ssm.on(GetParametersCommand).resolves({
    Parameters: [{ Name: '/market-pulse/dev/results/url', Value: RESULTS, Type: 'String' }],
    InvalidParameters: ['/market-pulse/dev/config/location'],
  });
  s3.on(PutObjectCommand).resolves({ VersionId: 'Fq3.version-1', ETag: '"e"' });
});

async function file(name: string, body: string | Buffer): Promise<string> {
  const path = join(work, name);
  await writeFile(path, body);
  return path;
}

async function upload(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['upload', ...args], { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

describe('market-pulse upload', () => {
  it('puts the file create-only with its SHA-256 and the bucket’s encryption, and says where the run will land', async () => {
    const path = await file('late colors.csv', GOOD);
    const result = await upload('--stage', 'dev', '--as-of', '2026-11-20', path);
    // What a run will warn about the file, said before it is sent.
    expect(result.err).toEqual([
      `warning: ${path}: the header lacks TICKER, SECTOR, PRICE_LEVEL, BID, ASK, COV_PRICE, PERCENT_DIFF, PRICE_DIFF, DATE_1, DIFF_STATUS; they are null in every row`,
    ]);
    expect(result.code).toBe(EXIT.ok);

    expect(ssm.commandCalls(GetParametersCommand).map((call) => call.args[0].input.Names)).toEqual([
      ['/market-pulse/dev/results/url', '/market-pulse/dev/config/location'],
    ]);
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0]!.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'mp-results',
      Key: 'colors/uploads/as-of=2026-11-20/late colors.csv',
      IfNoneMatch: '*',
      ChecksumSHA256: createHash('sha256').update(GOOD).digest('base64'),
      ContentType: 'text/csv',
      ContentLength: Buffer.byteLength(GOOD),
    });
    expect(Buffer.from(input.Body as Buffer).toString('utf8')).toBe(GOOD);
    // The bucket's default encryption (SSE-KMS with the stage key) applies: no key named in the request.
    expect(input).not.toHaveProperty('ServerSideEncryption');
    expect(input).not.toHaveProperty('SSEKMSKeyId');

    expect(result.out).toEqual([
      `Uploaded ${path} (1 rows) for as-of 2026-11-20`,
      '  key:     s3://mp-results/colors/uploads/as-of=2026-11-20/late colors.csv',
      '  version: Fq3.version-1',
      '  run:     a run of 2026-11-20 starts within about a minute and lands under s3://mp-results/colors/runs/as-of=2026-11-20/run-id=<id>/',
      '  latest:  s3://mp-results/colors/runs/as-of=2026-11-20/latest.json names it once it is published; its manifest lists this file with its version',
    ]);
  });

  it('refuses a name the day already has with exit 9, and puts nothing without the condition', async () => {
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      }),
    );
    const result = await upload('--stage', 'dev', '--as-of', '2026-11-20', await file('desk.csv', GOOD));
    expect(result.code).toBe(EXIT.uploadExists);
    expect(result.err.filter((line) => !line.startsWith('warning: '))).toEqual([
      'market-pulse: s3://mp-results/colors/uploads/as-of=2026-11-20/desk.csv already exists; nothing was overwritten. ' +
        'Upload the file under another name (2026-11-20 keeps both)',
    ]);
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.IfNoneMatch)).toEqual(['*']);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it.each([
    [
      'renamed.xlsx',
      GOOD,
      'renamed.xlsx: not an .xlsx workbook (it is text, not a zip file: a CSV renamed to .xlsx? Give it its own extension)',
    ],
    [
      'no-id.csv',
      'CUSIP,DATE,PX\n02174CAA7,2026-11-20,99\n',
      'no-id.csv: the header lacks the required column MESSAGE_ID (found: CUSIP, DATE, PX)',
    ],
    [
      'open-quote.csv',
      `${HEADER}\n1,"02174CAA7,2026-11-20,99,GS,BID,1,8\n`,
      'open-quote.csv: unterminated quoted field starting on line 2',
    ],
    [
      'notes.txt',
      'hello\n',
      'notes.txt: unsupported extension ".txt"; use .csv for CSV, .jsonl / .ndjson for JSON Lines, or .xlsx for an Excel workbook',
    ],
  ])('refuses %s with exit 4 and a one-line reason, before any request', async (name, body, reason) => {
    const path = await file(name, body);
    const result = await upload('--stage', 'dev', '--as-of', '2026-11-20', path);
    expect(result.code).toBe(EXIT.source);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toBe(`market-pulse: ${work}/${reason}`);
    expect(result.err[0]).not.toContain('\n');
    expect(ssm.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it('refuses a workbook whose header lacks a column the stage’s config reads, after reading the config and before any put', async () => {
    const workbook = buildWorkbook([
      {
        name: 'Colors',
        rows: [
          ['MESSAGE_ID', 'CUSIP', 'DATE', 'PX'],
          [text('1'), text('02174CAA7'), text('2026-11-20'), 99],
        ],
      },
    ]);
    const result = await upload('--stage', 'dev', '--as-of', '2026-11-20', await file('short.xlsx', workbook));
    expect(result.code).toBe(EXIT.source);
    expect(result.err).toEqual([
      expect.stringMatching(
        /short\.xlsx: the header lacks columns the config reads: SOURCE .*RANK \(read by the ranking order\).*; nothing was uploaded$/,
      ),
    ]);
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('checks against the config document the stage reads from S3 when it has one', async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: '/market-pulse/dev/results/url', Value: RESULTS, Type: 'String' },
        { Name: '/market-pulse/dev/config/location', Value: 's3://mp-config/desk.json', Type: 'String' },
      ],
    });
    // This stage ranks by RANK only and has no rules: a sheet with no SOURCE, BIAS or CONFIDENCE is fine.
    const desk = JSON.stringify({ version: 'desk-1', rules: [], ranking: { order: [{ column: 'RANK', direction: 'asc' }] } });
    s3.on(GetObjectCommand, { Bucket: 'mp-config', Key: 'desk.json' }).resolves({
      Body: {
        transformToString: async () => desk,
        [Symbol.asyncIterator]: async function* () {
          yield Buffer.from(desk);
        },
      } as never,
      ETag: '"c"',
    });
    const result = await upload(
      '--stage',
      'dev',
      '--as-of',
      '2026-11-20',
      await file('ranks.csv', 'MESSAGE_ID,CUSIP,DATE,RANK\n1,AAA,2026-11-20,1\n'),
    );
    expect(result.err.filter((line) => !line.startsWith('warning: '))).toEqual([]);
    expect(result.code).toBe(EXIT.ok);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('says so when the stage is not deployed here (no results parameter), with exit 2 and nothing put', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: ['/market-pulse/prod/results/url'] });
    const result = await upload('--stage', 'prod', '--as-of', '2026-11-20', await file('p.csv', GOOD));
    expect(result.code).toBe(EXIT.usage);
    expect(result.err[0]).toContain('stage prod has no SSM parameter /market-pulse/prod/results/url');
    expect(s3.calls()).toHaveLength(0);
  });

  it.each([
    [['--as-of', '2026-11-20', 'x.csv'], 'upload needs --stage'],
    [['--stage', 'dev', 'x.csv'], 'upload needs --as-of'],
    [['--stage', 'dev', '--as-of', '2026-11-20'], 'upload takes exactly one file'],
    [['--stage', 'dev', '--as-of', '2026-02-30', 'x.csv'], '2026-02-30'],
    [['--stage', 'Dev!', '--as-of', '2026-11-20', 'x.csv'], '--stage takes a stage name'],
  ])('refuses %j as a usage error', async (args, message) => {
    const result = await upload(...args);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err.join('\n')).toContain(message);
    expect(ssm.calls()).toHaveLength(0);
  });
});
