/**
 * `market-pulse health` and `market-pulse extract` as subprocesses of the built CLI: help, usage
 * errors (checked before anything is contacted), and a health run against a stage whose SSM is
 * unreachable. AWS endpoints point at a closed port on 127.0.0.1, with fake credentials, so nothing
 * leaves the machine.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBuiltCli } from '../../helpers/built-cli.js';

const built = useBuiltCli('mp-ops-cli-', { env: offlineEnv, inWork: true });
const marketPulse = (...args: string[]) => built.run(...args);

/**
 * An environment where every AWS call is refused locally: no profile, no metadata service, no
 * network. Node warnings are left on: stderr is compared exactly, so any warning would show.
 */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests',
    AWS_REGION: 'eu-central-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:1',
    AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1',
    AWS_MAX_ATTEMPTS: '1',
  };
}

describe('help', () => {
  it('lists both commands and prints their help', () => {
    const main = marketPulse('--help');
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/^ {2}health {12}check a stage/m);
    expect(main.stdout).toMatch(/^ {2}extract {11}write a stage's database info/m);
    for (const [command, flag] of [
      ['health', '--help'],
      ['extract', '-h'],
    ] as const) {
      const { code, stdout } = marketPulse(command, flag);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: market-pulse ${command} --stage <stage>`));
    }
  });
});

describe('usage errors exit 2 before anything is contacted', () => {
  it('health', () => {
    const cases: [string[], string][] = [
      [[], 'health needs --stage <stage> (see market-pulse health --help)'],
      [['--stage', 'Dev'], '--stage takes a stage name: 1-32 lowercase letters, digits or -, e.g. dev or prod'],
      [
        ['--stage', 'dev', '--out', join(built.work, 'dir')],
        '--out takes the results location s3://bucket/prefix (the heartbeat is written under <prefix>/health/)',
      ],
    ];
    for (const [args, reason] of cases) {
      const result = marketPulse('health', ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toBe(`market-pulse: ${reason}\n`);
      expect(result.stdout).toBe('');
    }
    const bucket = marketPulse('health', '--stage', 'dev', '--out', 's3://Bad_Bucket/x');
    expect(bucket.code).toBe(2);
    expect(bucket.stderr).toMatch(/^market-pulse: --out "s3:\/\/Bad_Bucket\/x"/);
    expect(marketPulse('health', '--stage', 'dev', '--verbose').stderr).toMatch(/^market-pulse: Unknown option '--verbose'/);
  });

  it('extract, refusing a malicious table name before any SQL', () => {
    const cases: [string[], string][] = [
      [[], 'extract needs --stage <stage> (see market-pulse extract --help)'],
      [
        ['--stage', 'dev', '--table', 'COLORS; DROP TABLE COLORS'],
        '--table must be TABLE or OWNER.TABLE, each a letter followed by letters, digits, _ $ # (at most 128)',
      ],
      [
        ['--stage', 'dev', '--table', 'A.B.C'],
        '--table must be TABLE or OWNER.TABLE, each a letter followed by letters, digits, _ $ # (at most 128)',
      ],
      [['--stage', 'dev', '--rows', '0'], '--rows must be a whole number between 1 and 10000'],
      [['--stage', 'dev', '--rows', '10001'], '--rows must be a whole number between 1 and 10000'],
      [
        ['--stage', 'dev', '--time-zone', 'Mars/Olympus'],
        '--time-zone: unknown time zone "Mars/Olympus" (use an IANA name such as America/New_York)',
      ],
    ];
    for (const [args, reason] of cases) {
      const result = marketPulse('extract', ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toBe(`market-pulse: ${reason}\n`);
    }
  });
});

describe('against an unreachable SSM', () => {
  it('health exits 6, prints the report naming the SSM failure, and skips the Oracle checks', () => {
    const { code, stdout, stderr } = marketPulse('health', '--stage', 'dev');
    expect(code).toBe(6);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^market-pulse health, stage dev, \d{4}-\d{2}-\d{2}T[\d:.]+Z: FAILED$/);
    expect(lines[1]).toMatch(
      /^ {2}FAIL {2}ssm-parameters +\d+ ms {2}reading \/market-pulse\/dev\/oracle\/\{host,port,service-name,username,password,schema,table,wallet,wallet-password\} failed \(AWS said .*ECONNREFUSED 127\.0\.0\.1:1\)$/,
    );
    expect(lines[2]).toMatch(/^ +hint: SSM could not be reached: check the network path to SSM/);
    expect(stdout).toMatch(/^ {2}SKIP {2}oracle-connect +skipped: needs ssm-parameters, which did not pass$/m);
    expect(stdout).toMatch(/^ {2}SKIP {2}oracle-table +skipped: needs oracle-connect, which did not pass$/m);
    expect(stdout).toMatch(/^ {2}SKIP {2}s3-heartbeat +skipped: not requested/m);
    expect(stderr).toBe(
      'market-pulse: health check failed: ssm-parameters failed: SSM could not be reached: check the network path to SSM (in Lambda the VPC interface endpoint for SSM; for the CLI the region, proxy and AWS_ENDPOINT_URL_SSM)\n',
    );
  });

  it('health --json prints the raw report, with the heartbeat failing against an unreachable S3', () => {
    const { code, stdout } = marketPulse('health', '--stage', 'dev', '--json', '--out', 's3://mp-results/colors');
    expect(code).toBe(6);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ ok: false, stage: 'dev' });
    expect(report.checks.map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual([
      'ssm-parameters:fail',
      'oracle-connect:skipped',
      'oracle-table:skipped',
      's3-heartbeat:fail',
    ]);
    expect(report.checks[0].detail).toContain('/market-pulse/dev/oracle/');
    expect(report.checks[3].detail).toMatch(/^writing s3:\/\/mp-results\/colors\/health\/heartbeat-dev\.json failed: /);
    expect(report.summary).toMatch(/^ssm-parameters failed: /);
  });

  it('extract exits 1 naming the SSM parameters, and writes nothing', async () => {
    const out = join(built.work, 'extracts');
    const { code, stderr } = marketPulse('extract', '--stage', 'dev', '--out', out);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^market-pulse: reading \/market-pulse\/dev\/oracle\/\{host,.*\} failed \(AWS said .*ECONNREFUSED 127\.0\.0\.1:1\)\n$/,
    );
    await expect(readdir(out)).rejects.toThrow();
  });
});
