#!/usr/bin/env node
/**
 * The CDK app: one market-pulse stack for the stage named by context (`-c stage=prod`), configured by
 * the context keys in lib/context.ts (dev defaults in cdk.json), checked by cdk-nag's AwsSolutions rules.
 */
import { App } from 'aws-cdk-lib';
import { SynthConfigError } from '../lib/context.js';
import { defineApp } from '../lib/market-pulse-stack.js';

const app = new App();
try {
  defineApp(app);
} catch (error) {
  // A bad setting: its message says what to change; a stack trace would only bury it.
  if (!(error instanceof SynthConfigError)) throw error;
  console.error(`\n${error.message}\n`);
  process.exit(1);
}
app.synth();
