/**
 * The S3 publish fault matrix (docs/publishing.md), shared by its Lambda and CLI test files. Their
 * part size is lowered to 16 KiB (a mock of object-upload.ts's PART_BYTES), so that colors.csv
 * (26,740 bytes) goes up as a multipart upload of two parts while the smaller files are PutObjects. For every request of a publish, each of 500 InternalError, 503 SlowDown, a reset before the request
 * reaches the store, a reset after the store applied it (a lost response) and a 500 after the store
 * applied it, once and from that request on. Each case is judged from the store's side against what
 * the run reported, and the next attempt (the Lambda: the same scheduled run delivered again; the
 * CLI: a new run) must end complete.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { main } from '../../bin/cli/main.js';
import { FileSource } from '../../lambdas/adapters/file-source.js';
import { S3Sink } from '../../lambdas/adapters/s3-sink.js';
import { silentLog } from '../../lambdas/log.js';
import { parseConfig } from '../../lambdas/pipeline/config.js';
import { scheduledRunId } from '../../lambdas/pipeline/run-id.js';
import { runColorsJob } from '../../lambdas/run-colors/run-colors-job.js';
import {
  agrees,
  type CaseResult,
  type Claim,
  claimOf,
  claimOfCli,
  type Totals,
  tally,
  type Visible,
  visibleState,
} from './publish-outcomes.js';
import type { Fault, FaultRule } from './s3-fault-proxy.js';
import { BUCKET, type PublishHarness, within } from './s3-publish-harness.js';

const FAULTS: Fault[] = ['500', '503', 'reset-before', 'reset-after', '500-after'];
const HUNG_AFTER_MS = 20_000;
const OLDER_RUN = '00000000000000000000000000';
const RUN_ID = /run(?:-id=| )([0-9A-HJKMNP-TV-Z]{26})/;

/** One publish attempt as a driver makes it: what it claimed, and the run id it used. */
interface Attempt {
  readonly claim: Claim;
  readonly runId: string | undefined;
  readonly detail: string;
}

export interface Driver {
  readonly name: string;
  readonly prefix: string;
  /** The requests of a publish without faults, before the first data file (the Lambda's look for its stored run). */
  readonly leadingRequests: readonly string[];
  /** Publishes for the as-of date of case `n`, under whatever faults the proxy has. */
  attempt(n: number): Promise<Attempt>;
}

/**
 * The sample config without the report: the matrix counts the requests of the publish protocol,
 * and a report adds reads of earlier runs whose number depends on the case before. The report's
 * files are data files like the others (the folder matrix publishes them under faults), and what
 * a failing read of an earlier run does is tested in test/integration/s3/report-s3.s3rver.test.ts.
 */
const MATRIX_CONFIG = JSON.stringify({
  ...JSON.parse(readFileSync('samples/config.json', 'utf8')),
  outputs: { jsonl: false, report: false },
});

const dayOf = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);

/** The Lambda's job with the real S3Sink, as a scheduled delivery for case n's date. */
export function lambdaDriver(harness: PublishHarness): Driver {
  const config = parseConfig(MATRIX_CONFIG, 'matrix-config.json');
  return {
    name: 'Lambda',
    prefix: 'lambda',
    leadingRequests: ['GetObject run-id/manifest.json'],
    async attempt(n) {
      const scheduledTime = `${dayOf(n)}T18:00:00Z`;
      const sink = new S3Sink({
        client: harness.client(),
        bucket: BUCKET,
        prefix: 'lambda',
        pointerRetry: { attempts: 3, delayMs: 20 },
        conflictRetryDelayMs: 5,
      });
      const createSource = () => new FileSource(harness.input);
      const deps = { loadConfig: async () => config, createSource, sink, scheduleTimeZone: 'UTC', log: silentLog };
      const runId = scheduledRunId(new Date(scheduledTime));
      try {
        const result = await runColorsJob({ scheduledTime }, deps);
        const claim = result.pointer?.status === 'current' ? 'success' : 'other';
        return { claim, runId, detail: `${result.status} ${JSON.stringify(result.pointer)}` };
      } catch (error) {
        return { claim: claimOf(error), runId, detail: String(error) };
      }
    },
  };
}

/** `market-pulse run` in process, with the AWS environment of harness.useCliEnvironment(). */
export function cliDriver(harness: PublishHarness): Driver {
  return {
    name: 'CLI',
    prefix: 'cli',
    leadingRequests: [],
    async attempt(n) {
      const configFile = join(dirname(harness.input), 'matrix-config.json');
      writeFileSync(configFile, MATRIX_CONFIG);
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) };
      const argv = ['run', '--input', harness.input, '--config', configFile, '--out', `s3://${BUCKET}/cli`, '--as-of', dayOf(n)];
      const code = await main(argv, io);
      const stderr = err.join('\n');
      const runId = RUN_ID.exec(`${out.join('\n')}\n${stderr}`)?.[1];
      return { claim: claimOfCli(code, stderr), runId, detail: `exit ${code}: ${err.join(' | ')}` };
    },
  };
}

/** Runs every case of the matrix with this driver; fails on the first case whose report and store disagree. */
export async function runFaultMatrix(harness: PublishHarness, driver: Driver): Promise<Totals> {
  const sequence = await requestsOf(harness, driver);
  const shape = sequence.map((request) => request.replace(/run-id=\w+/, 'run-id').replace(/as-of=[\d-]+\//, ''));
  expect(shape).toEqual([
    ...driver.leadingRequests,
    'CreateMultipartUpload run-id/colors.csv',
    'UploadPart run-id/colors.csv',
    'UploadPart run-id/colors.csv',
    'CompleteMultipartUpload run-id/colors.csv',
    'PutObject run-id/excluded.csv',
    'PutObject run-id/rejected.csv',
    'PutObject run-id/manifest.json',
    'GetObject latest.json',
    'PutObject latest.json',
  ]);
  const results: CaseResult[] = [];
  let n = 1;
  for (const [index, request] of sequence.entries()) {
    for (const fault of FAULTS) {
      const at = index + 1;
      const what = `${fault} on request ${at} (${request})`;
      results.push(await runCase(harness, driver, n++, `${what}, once`, [{ when: (r) => r.index === at, fault }]));
      results.push(await runCase(harness, driver, n++, `${what}, from then on`, [{ when: (r) => r.index >= at, fault }]));
    }
  }
  if (process.env.MATRIX_DETAIL) for (const r of results) console.info(`${driver.name}, ${r.name}: ${r.claim} / ${r.visible}`);
  return tally(results);
}

/** The requests of one publish without faults, e.g. `UploadPart run-id=…/colors.csv`. */
async function requestsOf(harness: PublishHarness, driver: Driver): Promise<string[]> {
  await harness.putLatest(driver.prefix, dayOf(0), OLDER_RUN);
  harness.proxy.reset();
  const attempt = await driver.attempt(0);
  expect(attempt.claim, attempt.detail).toBe('success');
  return harness.proxy.requests.map((request) => `${request.operation} ${request.key.split('/').slice(-2).join('/')}`);
}

async function runCase(harness: PublishHarness, driver: Driver, n: number, name: string, rules: FaultRule[]): Promise<CaseResult> {
  const asOf = dayOf(n);
  const before = await harness.putLatest(driver.prefix, asOf, OLDER_RUN);
  harness.proxy.reset();
  harness.proxy.inject(...rules);
  const attempt = await within(HUNG_AFTER_MS, driver.attempt(n));
  harness.proxy.reset();
  if (attempt === 'hung') return { name, claim: 'other', visible: 'hung', after: 'not run' };
  expect(attempt.runId, `${name}: ${attempt.detail}`).toBeDefined();
  const visible = await visibleState(harness.view(driver.prefix, asOf, attempt.runId!), attempt.runId!, before);
  const claimed = `${driver.name}, ${name}: reported ${attempt.claim} (${attempt.detail})`;
  expect(agrees(attempt.claim, visible), `${claimed} but the store shows ${visible}`).toBe(true);

  // The same run again (Lambda) is judged against the date before this case; a new run (CLI) against now.
  const latestNow = await harness.readLatest(driver.prefix, asOf);
  const next = await driver.attempt(n);
  const reference = next.runId === attempt.runId ? before : latestNow;
  const after: Visible = next.runId
    ? await visibleState(harness.view(driver.prefix, asOf, next.runId), next.runId, reference)
    : 'inconsistent';
  const message = `${driver.name}, ${name}: the next attempt (${next.detail}) left ${after}`;
  expect(next.claim === 'success' && after === 'complete', message).toBe(true);
  return { name, claim: attempt.claim, visible, after };
}
