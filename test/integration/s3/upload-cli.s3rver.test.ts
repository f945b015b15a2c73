/**
 * The built CLI's `upload` on the wire: SSM is a server on 127.0.0.1 answering the stage's results
 * location, S3 a versioned bucket (s3rver behind the proxy that adds conditional writes and the one
 * that adds versions). The file lands at the day's key with the version id the CLI prints; the same
 * name again is refused by S3's create-only condition (exit 9) and the stored file is unchanged;
 * and what was uploaded is what a run of the day reads and joins.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3DayUploads } from '../../../lambdas/adapters/s3/day-uploads.js';
import { silentLog } from '../../../lambdas/log.js';
import { columnUses } from '../../../lambdas/pipeline/column-check.js';
import { bundledConfig } from '../../../lambdas/run-colors/bundled-config.js';
import { gatherDayUploads } from '../../../lambdas/run-colors/join-uploads.js';
import { type SsmEndpoint, startSsmEndpoint } from '../../helpers/aws-endpoints.js';
import { useBuiltCli } from '../../helpers/built-cli.js';
import { CREDENTIALS, useVersionedS3 } from '../../helpers/versioned-s3.js';
import { buildWorkbook, text } from '../../helpers/xlsx-builder.js';

const BUCKET = 'mp-results';
const s3 = useVersionedS3([BUCKET]);
let ssm: SsmEndpoint;
const cli = useBuiltCli('mp-upload-wire-', {
  env: () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
    return {
      ...env,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: join(cli.work, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(cli.work, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      // s3rver stores aws-chunked framing verbatim; real S3 needs no such setting.
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_MAX_ATTEMPTS: '1',
    };
  },
});

beforeAll(async () => {
  // Served by each name's last segment: /market-pulse/dev/results/url. No config/location: the bundled config.
  ssm = await startSsmEndpoint({ url: `s3://${BUCKET}/colors` });
});
afterAll(async () => {
  await ssm.close();
});

const KEY = 'colors/uploads/as-of=2026-11-20/Color today.xlsx';
const HEADER = ['MESSAGE_ID', 'CUSIP', 'DATE', 'PX', 'SOURCE', 'BIAS', 'RANK', 'CONFIDENCE'];
const workbook = (px: number) =>
  buildWorkbook([
    {
      name: 'Color today',
      rows: [HEADER, [text('4292908303382310338'), text('02174CAA7'), text('2026-11-20T10:00:00'), px, text('GS'), text('BID'), 1, 8]],
    },
  ]);

async function stored(): Promise<Buffer> {
  const response = await s3.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

describe('market-pulse upload on the wire', () => {
  it('puts the workbook at the day’s key, prints its version; the same name again is refused and nothing is overwritten', async () => {
    const first = join(cli.work, 'Color today.xlsx');
    const firstBytes = workbook(99.5);
    await writeFile(first, firstBytes);
    const uploaded = await cli.runAsync('upload', '--stage', 'dev', '--as-of', '2026-11-20', first);
    expect(uploaded.stderr).not.toContain('market-pulse:');
    expect(uploaded.code).toBe(0);
    const versions = s3.versioning.versionsOf(BUCKET, KEY);
    expect(versions).toHaveLength(1);
    expect(uploaded.stdout).toContain(`  key:     s3://${BUCKET}/${KEY}\n`);
    expect(uploaded.stdout).toContain(`  version: ${versions[0]!.versionId}\n`);
    expect(uploaded.stdout).toContain(`  latest:  s3://${BUCKET}/colors/runs/as-of=2026-11-20/latest.json`);
    expect((await stored()).equals(firstBytes)).toBe(true);

    await writeFile(first, workbook(101));
    const again = await cli.runAsync('upload', '--stage', 'dev', '--as-of', '2026-11-20', first);
    expect(again.code).toBe(9);
    expect(again.stderr).toContain(`market-pulse: s3://${BUCKET}/${KEY} already exists; nothing was overwritten.`);
    expect(s3.versioning.versionsOf(BUCKET, KEY)).toHaveLength(1);
    expect((await stored()).equals(firstBytes)).toBe(true);

    // What a run of the day then reads: the upload, at the version the CLI printed, joined.
    const { config } = bundledConfig();
    const day = await gatherDayUploads(
      new S3DayUploads({ client: s3.client(), bucket: BUCKET, prefix: 'colors' }),
      '2026-11-20',
      columnUses(config.ranking.order, config.rules),
      silentLog,
    );
    expect(day.rejected).toEqual([]);
    expect(day.sources.map((source) => source.origin)).toEqual([{ key: KEY, versionId: versions[0]!.versionId }]);
  });
});
