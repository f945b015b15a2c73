/**
 * AWS's CloudFormation linter (cfn-lint) over the templates of four stage variants, synthesized as
 * `cdk synth` does (its path and version metadata included, which cfn-lint reads to recognise a CDK
 * template; bundling off, so only asset hashes differ). CloudFormation checks things CDK and
 * cdk-nag do not (an output Description that is not a plain string fails the whole template), so
 * this is the independent check that a first deploy is not refused. Findings must be none, apart
 * from the rules .cfnlintrc.yaml ignores, each with its reason.
 *
 * The linter comes from CFN_LINT (a path) or `cfn-lint` on PATH (`pip install cfn-lint==1.42.1`;
 * .ci/run points CFN_LINT at an offline copy when the machine has one). Without it the test is
 * skipped, and says so.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../lib/lambda-entries.js';
import { scratchDir, synth } from './synth.js';

/** What the CDK CLI sets for every synth. */
const CLI_CONTEXT = { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:version-reporting': true };

const OPERATOR = (account: string) => `arn:aws:iam::${account}:role/market-pulse-operator`;
const READER = 'arn:aws:iam::333333333333:role/desk-analytics';

/**
 * Each variant's own stage, so their templates sit side by side; together they cover every optional
 * resource. All in one region, so one linter run checks them against that region's resource types.
 */
const VARIANTS: Record<string, () => Record<string, unknown>> = {
  // cdk.json's defaults: a created VPC with its endpoints, thin mode, schedules off.
  dev: () => ({}),
  // Production-like: an imported VPC that has its own endpoints, thick mode (a database enforcing
  // Native Network Encryption), alarm and desk e-mail, operators and readers, reserved concurrency, another account.
  prod: () => ({
    stage: 'prod',
    account: '222222222222',
    createVpc: false,
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
    availabilityZones: 'eu-central-1a,eu-central-1b',
    httpsEgressCidrs: '10.50.0.0/16',
    oracleCidr: '10.60.0.0/24',
    oracleClientMode: 'thick',
    oracleLayerZip: emptyLayerZip(),
    allowPlaintextOracle: 'true',
    alarmEmail: 'ops@example.com',
    deskEmail: 'desk@example.com',
    operatorRoleArns: OPERATOR('222222222222'),
    readerRoleArns: READER,
    runColorsReservedConcurrency: '2',
    backfillMaxConcurrency: '2',
    configBucket: 'desk-config-bucket',
    configKey: 'market-pulse/config.json',
  }),
  // Production-like over TCPS: the same imported VPC given the stack's endpoints (KMS too), the wallet parameters, uploaders.
  uat: () => ({
    stage: 'uat',
    createVpc: false,
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
    availabilityZones: 'eu-central-1a,eu-central-1b',
    routeTableIds: 'rtb-0123456789abcdef0,rtb-0123456789abcdef1',
    createVpcEndpoints: 'true',
    createKmsEndpoint: 'true',
    oracleCidr: '10.60.0.0/24',
    walletParameters: 'true',
    operatorRoleArns: OPERATOR('111111111111'),
    readerRoleArns: READER,
    uploaderRoleArns: 'arn:aws:iam::111111111111:role/desk-uploads',
    alarmEmail: 'ops@example.com',
  }),
  // QA-like: a created VPC without endpoints, everything deleted with the stack, a config document, TLS to public CAs.
  qa: () => ({
    stage: 'qa',
    createVpcEndpoints: 'false',
    httpsEgressCidrs: '10.20.0.0/22',
    deleteParametersOnDelete: 'true',
    retainData: 'false',
    configKey: 'config/market-pulse.json',
    oracleTls: 'true',
    operatorRoleArns: OPERATOR('111111111111'),
  }),
};

function emptyLayerZip(): string {
  const zip = join(scratchDir(), 'oracle-instant-client-layer.zip');
  writeFileSync(zip, Buffer.from('504b0506000000000000000000000000000000000000', 'hex'));
  return zip;
}

/** CFN_LINT, else `cfn-lint` if it runs from PATH. */
function findLinter(): string | undefined {
  const candidate = process.env.CFN_LINT || 'cfn-lint';
  return spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 180_000 }).status === 0 ? candidate : undefined;
}

interface Finding {
  readonly Rule: { readonly Id: string };
  readonly Level: string;
  readonly Message: string;
  readonly Filename: string;
  readonly Location: { readonly Path?: readonly (string | number)[] };
}

const linter = findLinter();
if (linter === undefined) {
  console.warn(
    'cfn-lint gate SKIPPED: no linter. Set CFN_LINT to a cfn-lint executable or put cfn-lint on PATH (pip install cfn-lint==1.42.1).',
  );
}

describe('cfn-lint', () => {
  it.skipIf(linter === undefined)(
    `finds nothing in the dev, prod, uat and qa templates (${linter === undefined ? 'SKIPPED: set CFN_LINT or put cfn-lint on PATH' : linter})`,
    { timeout: 300_000 },
    () => {
      const templates = Object.entries(VARIANTS).map(([stage, context]) => {
        const { app, stack } = synth({ ...CLI_CONTEXT, ...context() });
        expect(stack.stackName).toBe(`MarketPulse-${stage}`);
        return join(app.synth().directory, stack.templateFile);
      });
      const result = spawnSync(
        linter as string,
        [...templates, '--config-file', join(REPO_ROOT, '.cfnlintrc.yaml'), '--regions', 'eu-central-1', '--format', 'json'],
        { encoding: 'utf8', timeout: 240_000, cwd: REPO_ROOT },
      );
      expect(result.stdout.trim(), `cfn-lint printed no report (exit ${result.status}): ${result.stderr}`).toMatch(/^\[/);
      const findings = (JSON.parse(result.stdout) as Finding[]).map(
        (f) => `${f.Level} ${f.Rule.Id} ${f.Filename.split('/').pop()} ${(f.Location.Path ?? []).join('/')}: ${f.Message}`,
      );
      expect(findings).toEqual([]);
      expect(result.status).toBe(0);
      console.info(`cfn-lint: ${templates.length} templates, 0 findings (ignored by .cfnlintrc.yaml: W3005)`);
    },
  );
});
