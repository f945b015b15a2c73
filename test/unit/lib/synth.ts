/**
 * Builds the app the way `npx cdk synth` does (cdk.json's context and feature flags, cdk.context.json's
 * cached lookups, the same defineApp), with bundling skipped so a synth takes well under a second.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import { REPO_ROOT } from '../../../lib/lambda-entries.js';
import { defineApp, type MarketPulseStack } from '../../../lib/market-pulse-stack.js';

const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
const cachedLookups = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.context.json'), 'utf8')) as Record<string, unknown>;

let scratch: string | undefined;
// Registered while the importing test file is collected: its scratch directory goes when it is done.
afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** A temporary directory outside the repository (cloud assemblies), made once per test file. */
export function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'market-pulse-cdk-'));
  return scratch;
}

export function appContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...cdkJson.context, ...cachedLookups, 'aws:cdk:bundling-stacks': [], ...overrides };
}

export interface Synthesized {
  readonly app: App;
  readonly stack: MarketPulseStack;
  readonly template: Template;
}

/** Context keys set to `undefined` are removed from cdk.json's defaults. */
export function synth(overrides: Record<string, unknown> = {}): Synthesized {
  const context = Object.fromEntries(Object.entries(appContext(overrides)).filter(([, value]) => value !== undefined));
  const app = new App({ context, outdir: join(scratchDir(), `cdk.out-${Math.random().toString(36).slice(2)}`) });
  const stack = defineApp(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** Every resource of one type, logical id → properties. */
export function resourcesOf(template: Template, type: string): Record<string, Record<string, unknown>> {
  const found = template.findResources(type) as Record<string, { Properties?: Record<string, unknown> }>;
  return Object.fromEntries(Object.entries(found).map(([id, resource]) => [id, resource.Properties ?? {}]));
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of the role's policies (its DefaultPolicy and any other policy attached to it). */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Roles).includes(`"${roleLogicalId}"`))
    .flatMap((policy) => (policy.PolicyDocument as { Statement: Statement[] }).Statement);
}

export function logicalIdOf(stack: MarketPulseStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}
