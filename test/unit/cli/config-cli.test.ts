/**
 * `market-pulse config push|history|diff|rollback` as people run it: the built CLI in its own
 * process against S3 on 127.0.0.1 (s3rver, with S3's conditional writes from the fault proxy and
 * object versions from the versioning proxy), SSM answering the stage's config location, and STS
 * answering who the caller is by the session token of the request (s3rver takes one access key).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsmEndpoint, startSsmEndpoint } from '../../helpers/aws-endpoints.js';
import { buildCliForTest, type CliResult, spawnCollecting } from '../../helpers/built-cli.js';
import { S3FaultProxy } from '../../helpers/s3-fault-proxy.js';
import { S3VersioningProxy } from '../../helpers/s3-versioning-proxy.js';
import { useS3rver } from '../../helpers/s3rver.js';

const BUCKET = 'mp-config';
const KEY = 'desk/config.json';
const s3 = useS3rver([BUCKET]);
let cli: string;
let removeCli: () => Promise<void>;
let work: string;
let conditional: S3FaultProxy;
let versioning: S3VersioningProxy;
let ssm: SsmEndpoint;
let sts: { url: string; server: Server };

/** Two people, told apart by their session tokens. */
const PEOPLE = {
  jane: { token: 'jane-session-token', arn: 'arn:aws:sts::111111111111:assumed-role/desk-ops/jane' },
  omar: { token: 'omar-session-token', arn: 'arn:aws:sts::111111111111:assumed-role/desk-ops/omar' },
};

beforeAll(async () => {
  ({ cli, cleanup: removeCli } = await buildCliForTest());
  work = await mkdtemp(join(tmpdir(), 'mp-config-cli-'));
  conditional = await S3FaultProxy.start(s3.endpoint);
  versioning = await S3VersioningProxy.start(conditional.endpoint);
  ssm = await startSsmEndpoint({ location: `s3://${BUCKET}/${KEY}` });
  sts = await startStsEndpoint();
});

afterAll(async () => {
  await Promise.all([
    removeCli(),
    versioning.close(),
    conditional.close(),
    ssm.close(),
    new Promise((resolve) => sts.server.close(resolve)),
  ]);
  await rm(work, { recursive: true, force: true });
});

/** STS GetCallerIdentity (AWS query protocol): the ARN of whoever signed the request. */
async function startStsEndpoint(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    const signer = Object.values(PEOPLE).find((person) => request.headers['x-amz-security-token'] === person.token);
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.end(
      `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
        `<Arn>${signer?.arn ?? 'arn:aws:iam::111111111111:user/unknown'}</Arn><UserId>AROAEXAMPLE</UserId><Account>111111111111</Account>` +
        `</GetCallerIdentityResult><ResponseMetadata><RequestId>sts-test</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function env(person: keyof typeof PEOPLE): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) base[key] = value;
  return {
    ...base,
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SESSION_TOKEN: PEOPLE[person].token,
    AWS_ENDPOINT_URL_S3: versioning.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.url,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_MAX_ATTEMPTS: '1',
  };
}

function marketPulse(person: keyof typeof PEOPLE, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return marketPulseWith(env(person), ...args);
}

function marketPulseWith(environment: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return spawnCollecting([cli, ...args], { env: environment, cwd: process.cwd() });
}

async function document(name: string, edit: (config: Record<string, any>) => void): Promise<string> {
  const config = JSON.parse(await readFile('samples/config.json', 'utf8')) as Record<string, any>;
  edit(config);
  const path = join(work, name);
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

const versions = () => versioning.versionsOf(BUCKET, KEY);

describe('config push, history, diff and rollback on one stage', () => {
  it('runs the life of a rules change: first push, a change, history, diff, rollback', async () => {
    // 1. The first version: created where there was none, found through the stage's SSM parameter.
    const first = await marketPulse('jane', 'config', 'push', '--stage', 'dev', '-m', 'initial desk rules', 'samples/config.json');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('samples/config.json: valid as run-colors reads s3://mp-config/desk/config.json (3 rules, 2 active)');
    expect(first.stdout).toContain(
      `s3://mp-config/desk/config.json: version ${versions()[0]!.versionId} is current, by ${PEOPLE.jane.arn}`,
    );
    expect(versions()[0]!.metadata).toEqual({ 'changed-by': PEOPLE.jane.arn, 'change-message': 'initial desk rules' });

    // 2. Pushing the same bytes again changes nothing.
    const again = await marketPulse('jane', 'config', 'push', '--stage', 'dev', '-m', 'again', 'samples/config.json');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already holds this document');
    expect(versions()).toHaveLength(1);

    // 3. Omar tightens a rule; the output says what changed.
    const tighter = await document('tighter.json', (c) => (c.rules[0].when.all[1].any[0].value = 5));
    const change = await marketPulse('omar', 'config', 'push', '--stage', 'dev', '-m', 'covers: confidence below 5', tighter);
    expect(change.code).toBe(0);
    expect(change.stdout).toContain(`changes against version ${versions()[0]!.versionId}`);
    expect(change.stdout).toContain('~ rule "drop-weak-bwic-covers"');
    expect(change.stdout).toContain('condition.all[1].any[0]: CONFIDENCE lt 4 → CONFIDENCE lt 5');
    expect(versions()).toHaveLength(2);

    // 4. History: newest first, who and why.
    const history = await marketPulse('jane', 'config', 'history', '--stage', 'dev');
    expect(history.code).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines[0]).toBe('s3://mp-config/desk/config.json: 2 version(s), newest first');
    expect(lines[1]).toMatch(/^VERSION\s+TIME \(UTC\)\s+BY\s+MESSAGE$/);
    expect(lines[2]).toContain(`${versions()[1]!.versionId} (current)`);
    expect(lines[2]).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+${PEOPLE.omar.arn}\\s+covers: confidence below 5$`));
    expect(lines[3]).toContain(`${versions()[0]!.versionId}  `);
    expect(lines[3]).toMatch(new RegExp(`${PEOPLE.jane.arn}\\s+initial desk rules$`));

    // 5. Diff between two stored versions, by id (ids contain + and /).
    const diff = await marketPulse('jane', 'config', 'diff', '--stage', 'dev', versions()[0]!.versionId, 'current');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain(`--- s3://mp-config/desk/config.json version ${versions()[0]!.versionId} (`);
    expect(diff.stdout).toContain('+++ s3://mp-config/desk/config.json version');
    expect(diff.stdout).toContain('    condition.all[1].any[0]: CONFIDENCE lt 4 → CONFIDENCE lt 5\n');

    // 6. Roll back to the first version: written forward as a third version, validated first.
    const rollback = await marketPulse('jane', 'config', 'rollback', '--stage', 'dev', '--to', versions()[0]!.versionId);
    expect(rollback.stderr).toBe('');
    expect(rollback.code).toBe(0);
    expect(versions()).toHaveLength(3);
    expect(versions()[2]!.body.equals(versions()[0]!.body)).toBe(true);
    expect(versions()[2]!.metadata).toEqual({ 'changed-by': PEOPLE.jane.arn, 'change-message': `rollback to ${versions()[0]!.versionId}` });
    expect(rollback.stdout).toContain('condition.all[1].any[0]: CONFIDENCE lt 5 → CONFIDENCE lt 4');
  });

  it('lets one of two people who read the same version win; the other exits 8 and loses nothing', async () => {
    const url = ['--config-url', `s3://${BUCKET}/race/config.json`];
    expect((await marketPulse('jane', 'config', 'push', ...url, '-m', 'base', 'samples/config.json')).code).toBe(0);
    const janes = await document('jane.json', (c) => (c.rules[2].active = true));
    const omars = await document('omar.json', (c) => (c.dedupe = true));
    const written = { jane: await readFile(janes), omar: await readFile(omars) };
    // Their puts are held back long enough that both have read version 1 before either writes; the
    // proxy then applies the two conditional puts one after the other, as S3 does.
    conditional.inject({ when: (request) => request.method === 'PUT' && request.key === 'race/config.json', fault: { delayMs: 3000 } });
    let jane: Awaited<ReturnType<typeof marketPulse>>;
    let omar: Awaited<ReturnType<typeof marketPulse>>;
    try {
      [jane, omar] = await Promise.all([
        marketPulse('jane', 'config', 'push', ...url, '-m', 'talk rule on', janes),
        marketPulse('omar', 'config', 'push', ...url, '-m', 'dedupe on', omars),
      ]);
    } finally {
      conditional.reset();
    }
    const raced = versioning.versionsOf(BUCKET, 'race/config.json');
    expect([jane.code, omar.code].sort()).toEqual([0, 8]);
    expect(raced).toHaveLength(2);
    const loser = jane.code === 8 ? jane : omar;
    const winner = loser === jane ? PEOPLE.omar : PEOPLE.jane;
    expect(loser.stderr).toMatch(
      /^market-pulse: s3:\/\/mp-config\/race\/config.json changed after it was read: version \S+ \(.+, by arn:aws:sts::111111111111:assumed-role\/desk-ops\/(jane|omar): .+\) is current now; nothing was written\n/,
    );
    expect(loser.stderr).toContain(`by ${winner.arn}`);
    expect(loser.stderr).toContain('your change is not lost, only not applied');
    expect(loser.stderr).toContain(`see what changed: market-pulse config diff --config-url s3://${BUCKET}/race/config.json current `);
    // Nothing lost: the winner's document is current, and the loser's file is as it was.
    expect(raced[1]!.metadata['changed-by']).toBe(winner.arn);
    const [loserName, loserFile] = loser === jane ? (['jane', janes] as const) : (['omar', omars] as const);
    expect((await readFile(loserFile)).equals(written[loserName])).toBe(true);
    expect(raced[1]!.body.equals(written[loserName])).toBe(false);
  });

  it('validates before anything is written, as the stage reads the document', async () => {
    const before = versions().length;
    const broken = await document('broken.json', (c) => (c.rules[0].when.all[0].op = 'contains-ish'));
    const invalid = await marketPulse('jane', 'config', 'push', '--stage', 'dev', '-m', 'typo', broken);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain('rules[0].when.all[0].op: unknown operator "contains-ish"');

    const yaml = join(work, 'rules.yaml');
    await writeFile(yaml, 'rules: []\n');
    const format = await marketPulse('jane', 'config', 'push', '--stage', 'dev', '-m', 'yaml', yaml);
    expect(format.code).toBe(3);
    expect(format.stderr).toContain(
      'the stage reads s3://mp-config/desk/config.json as JSON (by its name), and this file is YAML; convert it first',
    );
    expect(versions()).toHaveLength(before);
  });

  it('says what is missing, before anything is contacted', async () => {
    const cases: [string[], RegExp][] = [
      [['config'], /config needs a subcommand: push, rollback, history, diff/],
      [['config', 'publish'], /unknown config subcommand "publish"/],
      [['config', 'push', '--stage', 'dev', 'samples/config.json'], /config push needs -m "<why>"/],
      [['config', 'push', '-m', 'x', 'samples/config.json'], /config push needs --stage <stage> or --config-url s3:\/\/bucket\/key/],
      [['config', 'rollback', '--stage', 'dev'], /config rollback needs --to <version>/],
      [['config', 'history', '--stage', 'dev', '--limit', '0'], /--limit takes a number of versions from 1 to 1000/],
      [
        ['config', 'diff', 'samples/config.json', 'nope.json'],
        /no such file: nope.json; to compare versions of a stage's document, add --stage/,
      ],
      [['config', 'push', '--stage', 'Prod!', '-m', 'x', 'samples/config.json'], /--stage takes a stage name/],
    ];
    const before = ssm.targets.length;
    for (const [args, message] of cases) {
      const result = await marketPulse('jane', ...args);
      expect(result.stderr).toMatch(message);
      expect(result.code).toBe(2);
    }
    expect(ssm.targets.length).toBe(before);
  });

  it('names the fix when the stage keeps no config document in S3', async () => {
    const bare = await startSsmEndpoint({});
    try {
      const result = await marketPulseWith({ ...env('jane'), AWS_ENDPOINT_URL_SSM: bare.url }, 'config', 'history', '--stage', 'prod');
      expect(result.stderr).toBe(
        'market-pulse: stage prod has no config document in S3: there is no SSM parameter /market-pulse/prod/config/location, which the stack creates when the configKey context key is set, ' +
          'so its functions use the config bundled with them. Set configKey (docs/configuration.md) and deploy, or name the object with --config-url s3://bucket/key\n',
      );
      expect(result.code).toBe(2);
      expect(bare.targets).toEqual(['AmazonSSM.GetParameters']);
    } finally {
      await bare.close();
    }
  });

  it('compares two local files without any stage', async () => {
    const edited = await document('local.json', (c) => c.rules.pop());
    const result = await marketPulse('jane', 'config', 'diff', 'samples/config.json', edited);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `--- samples/config.json\n+++ ${edited}\n- rule "drop-indicative-talk"\n    was: (inactive) when BIAS in ["TALK", "MARKET"]\n`,
    );
  });
});
