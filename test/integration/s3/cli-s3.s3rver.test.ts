/**
 * The built CLI publishing to S3 (s3rver on 127.0.0.1) and reading its config from S3, through the
 * standard AWS configuration a user sets: AWS_ENDPOINT_URL_S3, credentials and region in the
 * environment. Where the test needs S3's conditional writes or a misbehaving endpoint, the CLI
 * talks to s3rver through the proxy of test/helpers/s3-fault-proxy.ts.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliForTest } from '../../helpers/built-cli.js';
import { S3FaultProxy } from '../../helpers/s3-fault-proxy.js';
import { useS3rver } from '../../helpers/s3rver.js';

const s3 = useS3rver(['mp-results', 'mp-config']);
let cli: string;
let removeCli: () => Promise<void>;
let proxy: S3FaultProxy;

beforeAll(async () => {
  ({ cli, cleanup: removeCli } = await buildCliForTest());
  proxy = await S3FaultProxy.start(s3.endpoint);
});

afterAll(async () => {
  await proxy.close();
  await removeCli();
});

/** Runs the CLI asynchronously: s3rver lives in this process, so the event loop must keep turning. */
function marketPulse(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return marketPulseWith({ AWS_ENDPOINT_URL_S3: s3.endpoint }, ...args);
}

function marketPulseWith(
  extraEnv: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    // s3rver stores aws-chunked framing verbatim; real S3 needs no such setting.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    ...extraEnv,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function text(bucket: string, key: string): Promise<string> {
  const response = await s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return response.Body!.transformToString('utf8');
}

describe('market-pulse run with S3', () => {
  it('reads the config from S3 and publishes the run under the prefix, latest.json last', async () => {
    await s3
      .client()
      .send(new PutObjectCommand({ Bucket: 'mp-config', Key: 'desk/config.json', Body: await readFile('samples/config.json') }));
    const { code, stdout, stderr } = await marketPulse(
      'run',
      '--input',
      'samples/colors.csv',
      '--config',
      's3://mp-config/desk/config.json',
      '--out',
      's3://mp-results/colors',
      '--as-of',
      '2026-11-20',
    );
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    expect(stdout).toMatch(/output: {2}s3:\/\/mp-results\/colors\/runs\/as-of=2026-11-20\/run-id=[0-9A-Z]{26}/);

    const latest = JSON.parse(await text('mp-results', 'colors/runs/as-of=2026-11-20/latest.json'));
    const manifestText = await text('mp-results', `colors/runs/as-of=2026-11-20/${latest.manifest}`);
    expect(createHash('sha256').update(manifestText).digest('hex')).toBe(latest.manifestSha256);
    const manifest = JSON.parse(manifestText);
    expect(manifest.config.source).toBe('s3://mp-config/desk/config.json');
    for (const file of manifest.files) {
      const body = await text('mp-results', `colors/runs/as-of=2026-11-20/run-id=${latest.runId}/${file.name}`);
      expect(createHash('sha256').update(body).digest('hex')).toBe(file.sha256);
    }
    const keys = s3.events.filter((e) => e.bucket === 'mp-results').map((e) => e.key.split('/').at(-1));
    expect(keys.at(-1)).toBe('latest.json');
    expect(keys.at(-2)).toBe('manifest.json');
  });

  it('names a missing config object and exits 3 without publishing', async () => {
    const before = s3.events.length;
    const { code, stderr } = await marketPulse(
      'run',
      '--input',
      'samples/colors.csv',
      '--config',
      's3://mp-config/nope.json',
      '--out',
      's3://mp-results/x',
    );
    expect(code).toBe(3);
    expect(stderr).toMatch(/s3:\/\/mp-config\/nope\.json/);
    expect(s3.events.length).toBe(before);
  });
});

describe('market-pulse run with S3: what is visible decides the exit code', () => {
  const throughProxy = () => ({ AWS_ENDPOINT_URL_S3: proxy.endpoint, S3_REQUEST_TIMEOUT_MS: '500', S3_CONNECT_TIMEOUT_MS: '1000' });
  const run = (input: string, asOf: string) =>
    marketPulseWith(
      throughProxy(),
      'run',
      '--input',
      input,
      '--config',
      'samples/config.json',
      '--out',
      's3://mp-results/outcomes',
      '--as-of',
      asOf,
    );

  it('a header-only file is held back: exit 7, and latest.json still names the good run', async () => {
    proxy.reset();
    expect((await run('samples/colors.csv', '2026-11-24')).code).toBe(0);
    const good = await text('mp-results', 'outcomes/runs/as-of=2026-11-24/latest.json');
    const input = join(await mkdtemp(join(tmpdir(), 'mp-cli-s3-')), 'header-only.csv');
    // The sample's header (every column the sample config reads), and no data rows.
    await writeFile(input, `${(await readFile('samples/colors.csv', 'utf8')).split('\n', 1)[0]}\n`);
    const { code, stdout, stderr } = await run(input, '2026-11-24');
    expect(code).toBe(7);
    const runId = /^Run ([0-9A-Z]{26}) /.exec(stdout)![1]!;
    expect(stderr).toContain(
      `market-pulse: run ${runId} is held back: no ranked rows: the input has no data rows. Its files are at s3://mp-results/outcomes/runs/as-of=2026-11-24/run-id=${runId} `,
    );
    expect(await text('mp-results', 'outcomes/runs/as-of=2026-11-24/latest.json')).toBe(good);
    expect(JSON.parse(await text('mp-results', `outcomes/runs/as-of=2026-11-24/run-id=${runId}/manifest.json`)).heldBack).toMatch(
      /^no ranked rows/,
    );
  });

  it('an endpoint that stops answering ends the run within seconds with exit 5, saying nothing was published', async () => {
    proxy.reset();
    proxy.inject({ when: () => true, fault: 'stall' });
    const started = Date.now();
    const { code, stderr } = await run('samples/colors.csv', '2026-11-25');
    proxy.reset();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(code).toBe(5);
    expect(stderr).toMatch(
      /^market-pulse: run [0-9A-Z]{26} was not published: writing s3:\/\/mp-results\/outcomes\/runs\/as-of=2026-11-25\/run-id=[0-9A-Z]{26}\/colors\.csv failed: the endpoint sent nothing for 500 ms \(the request timeout, S3_REQUEST_TIMEOUT_MS, after 3 attempts\)\. Nothing of the run is visible to readers; latest\.json was not changed$/m,
    );
  });

  it('a connection reset is named as one', async () => {
    proxy.reset();
    proxy.inject({ when: () => true, fault: 'reset-before' });
    const { code, stderr } = await run('samples/colors.csv', '2026-11-26');
    proxy.reset();
    expect(code).toBe(5);
    expect(stderr).toContain('colors.csv failed: the connection was reset before a response arrived (ECONNRESET, after 3 attempts)');
  });
});
