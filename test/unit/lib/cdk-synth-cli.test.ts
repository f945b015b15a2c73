/**
 * `npx cdk synth` exactly as a DevOps engineer runs it on a fresh clone: the real CDK CLI, cdk.json's
 * dev context, no AWS credentials, esbuild bundling on. It must succeed offline and bundle every
 * function (cdk-nag findings that are not acknowledged would fail it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const out = mkdtempSync(join(tmpdir(), 'market-pulse-cdk-out-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('cdk synth', () => {
  it('synthesizes the dev stage offline with every function bundled', { timeout: 240_000 }, () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', CDK_DISABLE_VERSION_CHECK: 'true' };
    const result = spawnSync(process.execPath, ['node_modules/aws-cdk/bin/cdk', 'synth', '-q', '--output', out, '--no-notices'], {
      env,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(result.stderr).not.toMatch(/AwsSolutions-/);
    expect(result.status).toBe(0);

    const template = JSON.parse(readFileSync(join(out, 'MarketPulse-dev.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && (r.Properties.Runtime as string) === 'nodejs22.x',
    );
    expect(functions.length).toBeGreaterThanOrEqual(4);

    // Each bundled asset is one minified ESM file. The largest, run-colors, carries two SDK clients,
    // Powertools, yaml, zod and oracledb (thin); the performance target is under 1.5 MB. Importing
    // zod as a namespace (`import * as z`) is what keeps its ~360 kB of locales out.
    const bundles = readdirSync(out)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(out, name, 'index.mjs'))
      .filter(existsSync);
    expect(bundles.length).toBeGreaterThanOrEqual(4);
    for (const bundle of bundles) expect(statSync(bundle).size).toBeLessThan(1_500_000);
  });
});
