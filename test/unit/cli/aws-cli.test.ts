/**
 * The built CLI's AWS-facing commands as a user meets them: arguments are checked before any AWS
 * call, a missing region is said plainly, and `run --source oracle` against a database that is not
 * there gives up within --timeout, printing each retry. AWS is played by servers on 127.0.0.1 (SSM
 * answering the stage's parameters, or an endpoint that records every request to show none came);
 * Oracle is the real thin driver against a closed port.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecordingEndpoint, type SsmEndpoint, startRecordingEndpoint, startSsmEndpoint } from '../../helpers/aws-endpoints.js';
import { buildCliForTest } from '../../helpers/built-cli.js';

const PASSWORD = 'Zq9-cli-retry-Pa55word!';
let cli: string;
let removeCli: () => Promise<void>;
let work: string;
let recorder: RecordingEndpoint;
let ssm: SsmEndpoint;

beforeAll(async () => {
  ({ cli, cleanup: removeCli } = await buildCliForTest());
  work = await mkdtemp(join(tmpdir(), 'mp-aws-cli-'));
  recorder = await startRecordingEndpoint();
  ssm = await startSsmEndpoint({
    host: '127.0.0.1',
    port: '1',
    'service-name': 'FREEPDB1',
    username: 'MARKET_PULSE',
    password: PASSWORD,
    schema: 'DESK',
    table: 'COLORS',
  });
});

afterAll(async () => {
  await Promise.all([removeCli(), recorder.close(), ssm.close()]);
  await rm(work, { recursive: true, force: true });
});

/** No AWS settings from this machine: no profile files, no instance metadata; every endpoint is `endpoint`. */
function awsEnv(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return {
    ...env,
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests',
    AWS_ENDPOINT_URL: recorder.url,
    AWS_MAX_ATTEMPTS: '1',
    ...overrides,
  };
}

/** Runs the CLI without blocking the event loop (the test's own servers must keep answering). */
function marketPulse(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, cwd: process.cwd(), timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

const NO_REGION =
  /^market-pulse: no AWS region is set, and the stage lives in one: set AWS_REGION \(e\.g\. export AWS_REGION=eu-central-1\), or a region for your AWS profile in ~\/\.aws\/config \(aws configure set region eu-central-1\)\n$/;

describe('no AWS region set', () => {
  const commands: [string, string[]][] = [
    ['health', ['health', '--stage', 'dev']],
    ['health with a heartbeat', ['health', '--stage', 'dev', '--out', 's3://mp-results/colors']],
    ['extract', ['extract', '--stage', 'dev', '--out', 'never-written']],
    ['backfill', ['backfill', '--from', '2026-11-02', '--to', '2026-11-06', '--stage', 'dev']],
    [
      'backfill with a state machine',
      [
        'backfill',
        '--from',
        '2026-11-02',
        '--to',
        '2026-11-06',
        '--stage',
        'dev',
        '--state-machine-arn',
        'arn:aws:states:eu-central-1:111111111111:stateMachine:market-pulse-dev-backfill',
      ],
    ],
    ['run --source oracle', ['run', '--source', 'oracle', '--stage', 'dev', '--config', 'samples/config.json', '--out', 'never-written']],
    ['run with an S3 config', ['run', '--input', 'samples/colors.csv', '--config', 's3://mp-config/desk.json', '--out', 'never-written']],
    [
      'run publishing to S3',
      ['run', '--input', 'samples/colors.csv', '--config', 'samples/config.json', '--out', 's3://mp-results/colors'],
    ],
  ];

  it.each(commands)('%s: exits 2 saying how to set one, and calls nothing', async (_name, args) => {
    const before = recorder.requests.length;
    const { code, stdout, stderr } = await marketPulse(awsEnv({}), ...args);
    expect(stderr).toMatch(NO_REGION);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(recorder.requests.slice(before)).toEqual([]);
  });

  it('names the profile, and explains that AWS_DEFAULT_REGION is not read', async () => {
    const { code, stderr } = await marketPulse(
      awsEnv({ AWS_PROFILE: 'desk', AWS_DEFAULT_REGION: 'eu-west-1' }),
      'health',
      '--stage',
      'dev',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('or a region for the profile desk (AWS_PROFILE) in ~/.aws/config');
    expect(stderr).toContain('; AWS_DEFAULT_REGION=eu-west-1 is set, but only the AWS CLI reads it, not the AWS SDK this tool uses\n');
  });

  it('is not needed by a dry run publishing to S3, which contacts nothing', async () => {
    const { code, stdout } = await marketPulse(
      awsEnv({}),
      'run',
      '--input',
      'samples/colors.csv',
      '--config',
      'samples/config.json',
      '--out',
      's3://mp-results/colors',
      '--dry-run',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('dry run: nothing was published');
  });
});

describe('arguments are checked before any AWS call', () => {
  const reversed = ['backfill', '--from', '2026-11-20', '--to', '2026-11-01', '--stage', 'dev'];
  const arn = ['--state-machine-arn', 'arn:aws:states:eu-central-1:111111111111:stateMachine:market-pulse-dev-backfill'];

  it.each([
    ['with a region', { AWS_REGION: 'eu-central-1' }, reversed],
    ['with a region and --state-machine-arn', { AWS_REGION: 'eu-central-1' }, [...reversed, ...arn]],
    ['without a region', {}, reversed],
    ['without a region, with --state-machine-arn', {}, [...reversed, ...arn]],
  ])('backfill with a reversed range exits 2 %s', async (_name, env: NodeJS.ProcessEnv, args) => {
    const before = recorder.requests.length;
    const { code, stderr } = await marketPulse(awsEnv(env), ...args);
    expect(stderr).toBe('market-pulse: invalid backfill request: from 2026-11-20 is after to 2026-11-01\n');
    expect(code).toBe(2);
    expect(recorder.requests.slice(before)).toEqual([]);
  });

  it.each([
    [
      ['backfill', '--from', '2026-11-21', '--to', '2026-11-22', '--stage', 'dev', '--skip-weekends'],
      'no date to run: 2026-11-21 to 2026-11-22 holds only a weekend, and --skip-weekends leaves it out',
    ],
    [
      ['backfill', '--from', '2026-11-02', '--to', '2026-11-06', '--stage', 'Prod'],
      '--stage takes a stage name: 1-32 lowercase letters, digits or -, e.g. dev or prod',
    ],
    [
      ['run', '--source', 'oracle', '--stage', 'dev', '--config', 'samples/config.json', '--out', 'x', '--timeout', '0'],
      '--timeout takes a number of seconds above 0 and at most 3600, not "0"',
    ],
    [
      ['run', '--input', 'samples/colors.csv', '--config', 'samples/config.json', '--out', 'x', '--threads', '0'],
      '--threads takes a whole number from 1 to 64, not "0"',
    ],
    [
      ['run', '--input', 'samples/colors.csv', '--config', 'samples/config.json', '--out', 'x', '--timeout', '5'],
      '--timeout goes with --source oracle (a file is read whole, however long it takes)',
    ],
    [
      ['run', '--source', 'oracle', '--stage', 'dev', '--config', 's3://mp-config/desk.json', '--out', 'x', '--as-of', '2026-13-01'],
      'as-of date "2026-13-01" is not a calendar date in the form YYYY-MM-DD',
    ],
    [
      ['run', '--source', 'oracle', '--stage', 'dev', '--config', 'samples/config.json', '--out', 's3://Bad_Bucket/x'],
      '--out "s3://Bad_Bucket/x"',
    ],
  ])('%j exits 2 before anything is contacted', async (args, reason) => {
    const before = recorder.requests.length;
    const { code, stderr } = await marketPulse(awsEnv({ AWS_REGION: 'eu-central-1' }), ...args);
    expect(stderr.startsWith(`market-pulse: ${reason}`)).toBe(true);
    expect(code).toBe(2);
    expect(recorder.requests.slice(before)).toEqual([]);
  });
});

describe('run --source oracle against a database that is not there', () => {
  const env = () => awsEnv({ AWS_REGION: 'eu-central-1', AWS_ENDPOINT_URL_SSM: ssm.url });
  const RETRY =
    /^retry: attempt (\d) of 8 to reach Oracle at 127\.0\.0\.1:1\/FREEPDB1 failed \(NJS-503\); trying again in \d+\.\d s \((\d+\.\d) s of --timeout (\d+\.\d) s left\)$/;

  it('prints each retry and gives up within --timeout, naming the code and what to check, never the password', async () => {
    const out = join(work, 'unreachable');
    const { code, stdout, stderr, ms } = await marketPulse(
      env(),
      'run',
      '--source',
      'oracle',
      '--stage',
      'dev',
      '--config',
      'samples/config.json',
      '--out',
      out,
      '--as-of',
      '2026-11-20',
      '--timeout',
      '2',
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    const retries = lines.slice(0, -1);
    expect(retries.length).toBeGreaterThan(0);
    retries.forEach((line, index) => {
      const match = RETRY.exec(line);
      expect(match, line).not.toBeNull();
      expect(Number(match![1])).toBe(index + 1);
      expect(Number(match![2])).toBeLessThanOrEqual(2);
      expect(match![3]).toBe('2.0');
    });
    expect(lines.at(-1)).toMatch(
      /^market-pulse: opening DESK\.COLORS at 127\.0\.0\.1:1\/FREEPDB1 \(\d attempt\(s\) in \d+\.\d s; (too little of the 2 s allowed for connecting was left for another attempt|the attempt limit was reached)\) failed: NJS-503: connection to host 127\.0\.0\.1 port 1 could not be established.* \(check the VPN/,
    );
    expect(`${stdout}${stderr}`).not.toContain(PASSWORD);
    // Bounded: 2 s of trying, plus starting Node and reading SSM (generous for a loaded machine).
    expect(ms).toBeLessThan(20_000);
    expect(ssm.targets.at(-1)).toBe('AmazonSSM.GetParameters');
    await expect(readdir(out)).rejects.toThrow();
  });
});
