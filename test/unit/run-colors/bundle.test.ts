/**
 * The deployed artifact itself: the run-colors bundle built exactly as `cdk synth` builds it (the
 * stack's JobFunction, NodejsFunction bundling with lib/job-function.ts's options: ESM, minified,
 * the AWS SDK bundled in), imported in a fresh Node process and invoked once. SSM is a server on
 * 127.0.0.1 answering GetParameters, S3 is s3rver behind the proxy that gives it versions (the
 * config document, the listing of the day's uploads and the duplicate-run check go through the
 * bundle's own SDK copy), and Oracle is the real thin driver against a closed port.
 * What it checks is what alarms, log queries and the runbook's error table key on: the error's
 * name and code survive minification, in the thrown error and in the `run failed` log line. SNS is a
 * server on 127.0.0.1 too: the failed run is announced through the bundle's own SNS client.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobFunction } from '../../../lib/job-function.js';
import { entryPath, RUN_COLORS_CHUNKS } from '../../../lib/lambda-entries.js';
import { type SsmEndpoint, startSsmEndpoint } from '../../helpers/aws-endpoints.js';
import { type CliResult, spawnCollecting } from '../../helpers/built-cli.js';
import { unreachableDatabase } from '../../helpers/lambda-harness.js';
import { S3VersioningProxy } from '../../helpers/s3-versioning-proxy.js';
import { useS3rver } from '../../helpers/s3rver.js';
import { messageAttributes, type SnsEndpoint, startSnsEndpoint } from '../../helpers/sns-endpoint.js';

const PASSWORD = 'Zq9-bundle-Pa55word!';
const s3 = useS3rver(['mp-results', 'mp-config']);
const outdir = mkdtempSync(join(tmpdir(), 'mp-bundle-'));
let bundle: string;
let ssm: SsmEndpoint;
let sns: SnsEndpoint;
let versioning: S3VersioningProxy;
const TOPIC = 'arn:aws:sns:us-east-1:111111111111:market-pulse-test-runs';
const UPLOAD_KEY = 'colors/uploads/as-of=2026-11-20/desk.csv';
const UPLOAD = 'MESSAGE_ID,CUSIP,DATE,PX,SOURCE,BIAS,RANK,CONFIDENCE\n1,02174CAA7,2026-11-20T10:00:00,99.5,GS,BID,1,8\n';

/** Synthesizes a stack holding only the run-colors function, with bundling on, and returns its index.mjs. */
function synthesizeRunColorsBundle(): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'BundleOnly');
  new JobFunction(stack, 'RunColors', {
    entry: entryPath('run-colors'),
    chunks: RUN_COLORS_CHUNKS,
    description: 'run-colors, bundled as the stack bundles it',
    memorySize: 1024,
    timeout: Duration.minutes(5),
    logs: { retention: RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY, encryptionKey: new Key(stack, 'Key') },
  });
  app.synth();
  const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
  expect(assets).toHaveLength(1);
  return join(outdir, assets[0]!, 'index.mjs');
}

beforeAll(async () => {
  bundle = synthesizeRunColorsBundle();
  ssm = await startSsmEndpoint(unreachableDatabase(PASSWORD));
  sns = await startSnsEndpoint();
  versioning = await S3VersioningProxy.start(s3.endpoint);
  await s3.client().send(new PutObjectCommand({ Bucket: 'mp-config', Key: 'desk/config.json', Body: readFileSync('samples/config.json') }));
  // A file uploaded to the day the run is for, put through the proxy so that it has a version.
  const viaProxy = new S3Client({
    endpoint: versioning.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await viaProxy.send(new PutObjectCommand({ Bucket: 'mp-results', Key: UPLOAD_KEY, Body: Buffer.from(UPLOAD) }));
  viaProxy.destroy();
}, 120_000);

afterAll(async () => {
  await ssm?.close();
  await sns?.close();
  await versioning?.close();
  rmSync(outdir, { recursive: true, force: true });
});

/** What the stack sets (lib/market-pulse-stack.ts), pointed at the servers above; nothing leaves 127.0.0.1. */
function lambdaEnvironment(): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('POWERTOOLS_')),
  );
  return {
    ...inherited,
    STAGE: 'test',
    RESULTS_BUCKET: 'mp-results',
    RESULTS_PREFIX: 'colors',
    CONFIG_BUCKET: 'mp-config',
    CONFIG_KEY: 'desk/config.json',
    SCHEDULE_TZ: 'America/New_York',
    NOTIFICATION_TOPIC_ARN: TOPIC,
    POWERTOOLS_SERVICE_NAME: 'market-pulse',
    POWERTOOLS_METRICS_NAMESPACE: 'MarketPulse',
    AWS_LAMBDA_FUNCTION_NAME: 'market-pulse-test-run-colors',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SSM: ssm.url,
    // The results bucket is versioned: run-colors lists the day's uploads with ListObjectVersions.
    AWS_ENDPOINT_URL_S3: versioning.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.url,
    AWS_MAX_ATTEMPTS: '1',
    // This machine runs Node 20; Lambda runs Node 22, where the SDK has no Node-version notice to print.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function invoke(event: unknown, budgetMs: number): Promise<CliResult> {
  return spawnCollecting(['test/helpers/invoke-bundle.mjs', bundle, JSON.stringify(event), String(budgetMs)], { env: lambdaEnvironment() });
}

function outcomeOf(stdout: string): unknown {
  const line = stdout.split('\n').find((text) => text.startsWith('OUTCOME '));
  if (line === undefined) throw new Error(`the handler did not return or throw:\n${stdout}`);
  return JSON.parse(line.slice('OUTCOME '.length));
}

describe('the run-colors bundle as deployed', () => {
  it('is minified, and its errors keep the names they spell', () => {
    const text = readFileSync(bundle, 'utf8');
    expect(text).not.toMatch(/\bclass TransientSourceError\b/);
    expect(text).toContain('"TransientSourceError"');
  });

  it("leaves exceljs out of the handler and ships it beside it, where the handler's import() finds it", () => {
    const text = readFileSync(bundle, 'utf8');
    expect(text).toContain('import("exceljs")');
    expect(statSync(bundle).size).toBeLessThan(1_500_000);
    const shipped = join(dirname(bundle), 'node_modules', 'exceljs', 'index.mjs');
    expect(statSync(shipped).size).toBeGreaterThan(500_000);
    // Resolved from the asset folder as the handler resolves it: a workbook written and read back.
    const script =
      "const { default: E } = await import('exceljs'); const w = new E.Workbook(); w.addWorksheet('s').addRow(['4292908303382310338', 99.5]);" +
      'const r = new E.Workbook(); await r.xlsx.load(await w.xlsx.writeBuffer()); console.log(JSON.stringify(r.worksheets[0].getRow(1).values.slice(1)));';
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dirname(bundle),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('["4292908303382310338",99.5]');
  });

  it('loads the Parquet writer from its own chunk beside the bundle, only when a run asks for it', async () => {
    const text = readFileSync(bundle, 'utf8');
    expect(text).toContain('import("./parquet/table-outputs.mjs")');
    // hyparquet-writer's own error text: its code is in the chunk, not in the bundle.
    expect(text).not.toContain('parquet columns must have the same length');
    const chunk = (await import(join(bundle, '..', 'parquet', 'table-outputs.mjs'))) as { tableFiles?: unknown };
    expect(typeof chunk.tableFiles).toBe('function');
    expect(readFileSync(join(bundle, '..', 'parquet', 'table-outputs.mjs'), 'utf8')).toContain('parquet columns must have the same length');
  });

  it('fails a run against an unreachable database with the real error name and code, thrown and logged', async () => {
    // 16 s: the retry safety margin is 10 s, so about 6 s go to settings, config and attempts (a
    // loaded machine can spend 3 s before the first attempt, which then is never tried).
    const { code, stdout, stderr } = await invoke({ scheduledTime: '2026-11-21T03:30:00Z' }, 16_000);
    expect(code).toBe(0);
    const outcome = outcomeOf(stdout) as { error?: { name: string; code: string; message: string } };
    expect(outcome.error).toMatchObject({
      name: 'TransientSourceError',
      code: 'SOURCE_UNAVAILABLE',
    });
    expect(outcome.error!.message).toContain('NJS-503: connection to host 127.0.0.1 port 1 could not be established');

    // Powertools writes info to stdout, warnings and errors to stderr: one JSON document per line, nothing else.
    const logs = `${stdout}${stderr}`
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('OUTCOME '))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const failed = logs.find((entry) => entry.message === 'run failed') as
      | { error: { name: string; code: string; location: string } }
      | undefined;
    expect(failed, stdout).toBeDefined();
    expect(failed!.error).toMatchObject({ name: 'TransientSourceError', code: 'SOURCE_UNAVAILABLE' });
    // The config came from S3 and the duplicate-run check asked S3, both through the bundle's own SDK.
    expect(logs.some((entry) => entry.message === 'config loaded' && entry.source === 's3://mp-config/desk/config.json')).toBe(true);
    // The day's upload was listed and read through the bundle's SDK and its CSV reader, at its version, before the database failed.
    expect(logs.find((entry) => entry.message === 'day uploads')).toMatchObject({ joined: [UPLOAD_KEY], rejected: 0 });
    // Nothing was written: the only object of the results bucket is the upload.
    expect(s3.events.filter((event) => event.bucket === 'mp-results').map((event) => event.key)).toEqual([UPLOAD_KEY]);
    expect(ssm.targets).toContain('AmazonSSM.GetParameters');
    expect(`${stdout}${stderr}`).not.toContain(PASSWORD);

    // Announced once, as SNS receives it: a structured message, the attributes for filter policies.
    expect(sns.publishes).toHaveLength(1);
    const { fields, body } = sns.publishes[0]!;
    expect(fields).toMatchObject({
      Action: 'Publish',
      TopicArn: TOPIC,
      MessageStructure: 'json',
      Subject: 'market-pulse test: run failed for 2026-11-20',
    });
    expect(messageAttributes(fields)).toEqual({ kind: 'run-failed', stage: 'test', asOf: '2026-11-20', trigger: 'scheduled' });
    const message = JSON.parse((JSON.parse(fields.Message!) as { default: string }).default) as {
      kind: string;
      error: { code: string; message: string };
    };
    expect(message).toMatchObject({ kind: 'run-failed', error: { code: 'SOURCE_UNAVAILABLE' } });
    expect(message.error.message).toContain('NJS-503');
    expect(body).not.toContain(encodeURIComponent(PASSWORD));
    expect(decodeURIComponent(body)).not.toContain(PASSWORD);
    expect(logs.some((entry) => entry.message === 'run notification published' && entry.kind === 'run-failed')).toBe(true);
  });

  it('rejects a bad event with UsageError / USAGE before touching AWS', async () => {
    const before = ssm.targets.length;
    const announced = sns.publishes.length;
    const { stdout } = await invoke({ asOf: 'tomorrow' }, 13_000);
    const outcome = outcomeOf(stdout) as { error?: { name: string; code: string } };
    expect(outcome.error).toMatchObject({ name: 'UsageError', code: 'USAGE' });
    expect(ssm.targets.length).toBe(before);
    // No run was planned, so there is nothing to announce.
    expect(sns.publishes.length).toBe(announced);
  });
});
