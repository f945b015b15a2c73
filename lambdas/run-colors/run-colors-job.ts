/**
 * One invocation of the `run-colors` job, with every edge passed in: what the handler builds from
 * AWS, a test builds from fakes. Order matters: the event is checked first, a duplicate scheduled
 * delivery finishes and returns the stored run before anything else happens, and the config
 * document is validated before the database is touched, so a broken document publishes nothing.
 *
 * Roll forward, never half (docs/publishing.md): a scheduled run whose manifest is stored is
 * complete, so any later attempt of its id — Scheduler's at-least-once delivery, Lambda's
 * asynchronous retry after a failed pointer move — moves latest.json to it before returning.
 * A held-back run is a failure every time it is reported, but a retry never runs it again and never
 * moves the pointer: after Lambda's two retries the event lands in the dead-letter queue.
 *
 * Every run of a date — scheduled, manual, backfill or asked for by an upload — reads the files
 * uploaded to that date after the Oracle window (join-uploads.ts); an upload that fails its checks
 * is left out, named in the manifest's rejectedUploads, and the rest of the run goes on.
 *
 * Once the run is planned, its end is announced (docs/runbook.md "Run notifications"): published,
 * held back (once per run, like its metric) or failed (each failed attempt). A dry run publishes
 * nothing and announces nothing. An announcement that fails is logged and changes nothing else.
 */
import type { UploadStore } from '../adapters/s3/day-uploads.js';
import { RunAlreadyPublishedError, RunHeldBackError } from '../errors.js';
import type { Log } from '../log.js';
import { columnUses } from '../pipeline/column-check.js';
import type { LoadedConfig, RunConfig } from '../pipeline/config.js';
import { type PointerOutcome, storedRun } from '../pipeline/latest-pointer.js';
import type { Manifest } from '../pipeline/manifest.js';
import type { ColorSource, PublishedRun, ResultSink } from '../pipeline/ports.js';
import type { ComparisonSummary } from '../pipeline/report/changes-json.js';
import type { PublishedRuns } from '../pipeline/report/previous-runs.js';
import { runColors } from '../pipeline/run.js';
import { type RunWindowBounds, runWindow } from '../pipeline/run-window.js';
import { ZoneClock } from '../pipeline/time-zone.js';
import { planRun, type RunPlan } from './event.js';
import { gatherDayUploads, withUploads } from './join-uploads.js';
import type { RunOutcome } from './notification.js';

export interface RunColorsDeps {
  readonly loadConfig: () => Promise<LoadedConfig>;
  readonly createSource: (config: RunConfig, window: RunWindowBounds) => ColorSource;
  /** The files uploaded to each date (the results bucket's uploads/ folder); without it, a run reads the database alone. */
  readonly uploads?: UploadStore;
  readonly sink: ResultSink;
  /** Where the report finds the runs published before (the same prefix as the sink); without it, it compares with none. */
  readonly publishedRuns?: PublishedRuns;
  readonly scheduleTimeZone: string;
  readonly now?: () => Date;
  readonly log: Log;
  /** Told the plan as soon as it is known, e.g. to tag every later log line with the run id. */
  readonly onPlanned?: (plan: RunPlan) => void;
  /** Told how a planned run ended, e.g. to notify subscribers; whether it succeeds never changes the run's outcome. */
  readonly announce?: (outcome: RunOutcome) => Promise<void>;
}

/** What the Lambda returns: the manifest's summary and where the run is. */
export interface RunColorsResult {
  readonly status: 'published' | 'dry-run' | 'already-published';
  readonly runId: string;
  readonly asOf: string;
  readonly trigger: RunPlan['trigger'];
  readonly location: string | null;
  /** What latest.json names after this invocation; null on a dry run. */
  readonly pointer: PointerOutcome | null;
  readonly counts: Manifest['counts'];
  readonly files: Manifest['files'];
  readonly window: Manifest['window'];
  readonly durationMs: number;
  /** What changed since the runs before it (the report's summary); absent when the run wrote no report or did not run again. */
  readonly changes?: readonly ComparisonSummary[];
  /** The day's uploads the run read (with the Oracle window, the manifest's inputs); absent when it read none. */
  readonly inputs?: Manifest['inputs'];
  /** The day's uploads the run left out, and why; absent when it looked for none. */
  readonly rejectedUploads?: Manifest['rejectedUploads'];
}

export async function runColorsJob(event: unknown, deps: RunColorsDeps): Promise<RunColorsResult> {
  const now = deps.now ?? (() => new Date());
  const plan = planRun(event, new ZoneClock(deps.scheduleTimeZone), now());
  deps.onPlanned?.(plan);
  deps.log.info('run planned', { ...plan });
  try {
    const result = await runPlanned(plan, deps, now);
    const published = publishedOutcome(result);
    if (published) await announce(deps, published);
    return result;
  } catch (error) {
    // A held-back run was announced where it was held back; a repeat of it is not announced again.
    if (!(error instanceof RunHeldBackError))
      await announce(deps, { kind: 'run-failed', asOf: plan.asOf, runId: plan.runId, trigger: plan.trigger, error });
    throw error;
  }
}

async function runPlanned(plan: RunPlan, deps: RunColorsDeps, now: () => Date): Promise<RunColorsResult> {
  if (plan.trigger === 'scheduled' && !plan.dryRun) {
    const finished = await finishStoredRun(plan, deps);
    if (finished) return finished;
  }

  const loaded = await deps.loadConfig();
  const { config } = loaded;
  const window = runWindow(plan.asOf, config.window.lookbackDays, new ZoneClock(config.window.timeZone));
  deps.log.info('config loaded', { source: loaded.source, sha256: loaded.sha256, version: config.version, window });

  const uses = columnUses(config.ranking.order, config.rules);
  const uploads = deps.uploads ? await gatherDayUploads(deps.uploads, plan.asOf, uses, deps.log) : undefined;
  const oracle = deps.createSource(config, window);

  try {
    const { manifest, published, changes } = await runColors({
      source: uploads ? withUploads(oracle, uploads, uses) : oracle,
      rejectedUploads: uploads?.rejected,
      sink: deps.sink,
      publishedRuns: deps.publishedRuns,
      trigger: plan.trigger,
      config: loaded,
      asOf: plan.asOf,
      runId: plan.runId,
      window,
      dryRun: plan.dryRun,
      now,
      onProgress: (rows) => deps.log.info('rows read', { rows }),
      onWarning: (message) => deps.log.warn(message),
    });
    if (published?.pointer.status === 'held-back') {
      const { reason } = published.pointer;
      await announce(deps, {
        kind: 'run-held-back',
        asOf: plan.asOf,
        runId: plan.runId,
        trigger: plan.trigger,
        location: published.location,
        counts: manifest.counts,
        files: manifest.files,
        reason,
        changes: changes ?? undefined,
        rejectedUploads: manifest.rejectedUploads,
      });
      throw new RunHeldBackError(
        `run ${plan.runId} for as-of ${plan.asOf} is held back: ${reason}. Its files are at ${published.location} ` +
          '(its manifest counts the rows, rejected.csv says why each was rejected); latest.json was not moved to it',
      );
    }
    const result = { ...summarize(manifest, plan, published ? 'published' : 'dry-run', published), ...(changes ? { changes } : {}) };
    deps.log.info('run finished', {
      status: result.status,
      runId: result.runId,
      counts: result.counts,
      location: result.location,
      pointer: result.pointer,
    });
    return result;
  } catch (error) {
    // Two deliveries of one schedule raced: the other stored its manifest first, which is the same run.
    if (error instanceof RunAlreadyPublishedError && plan.trigger === 'scheduled') {
      const finished = await finishStoredRun(plan, deps);
      if (finished) return finished;
    }
    throw error;
  }
}

/** Tells subscribers how the run ended; a failure to tell them is logged, and the run's outcome stands. */
async function announce(deps: RunColorsDeps, outcome: RunOutcome): Promise<void> {
  if (!deps.announce) return;
  try {
    await deps.announce(outcome);
  } catch (error) {
    deps.log.error('run notification not sent; the run outcome stands', { kind: outcome.kind, runId: outcome.runId, error });
  }
}

/** What a run that published says; undefined for a dry run, which publishes nothing. */
function publishedOutcome(result: RunColorsResult): RunOutcome | undefined {
  const { asOf, runId, trigger, counts, files, location, pointer, changes, rejectedUploads } = result;
  if (location === null || pointer === null) return undefined;
  return {
    kind: 'run-published',
    asOf,
    runId,
    trigger,
    counts,
    files,
    location,
    pointer,
    redelivery: result.status === 'already-published',
    changes,
    rejectedUploads,
  };
}

/** A stored run of this plan, finished (latest.json moved forward to it) and summarized; undefined when none is stored. */
async function finishStoredRun(plan: RunPlan, deps: RunColorsDeps): Promise<RunColorsResult | undefined> {
  const text = await deps.sink.readManifest(plan.asOf, plan.runId);
  if (text === null) return undefined;
  const manifest = JSON.parse(text) as Manifest;
  if (manifest.runId !== plan.runId || manifest.asOf !== plan.asOf) {
    throw new RunAlreadyPublishedError(
      `the manifest stored for run ${plan.runId} (as-of ${plan.asOf}) ` +
        `names run ${manifest.runId} for ${manifest.asOf}; refusing to treat it as this run`,
    );
  }
  if (manifest.heldBack) {
    deps.log.warn('run already stored and held back; a retry does not run it again or move latest.json', {
      runId: plan.runId,
      asOf: plan.asOf,
    });
    throw new RunHeldBackError(
      `run ${plan.runId} for as-of ${plan.asOf} is held back: ${manifest.heldBack}. ` +
        `This is a retry of the same scheduled run: it is not run again and latest.json is not moved to it`,
      { repeat: true },
    );
  }
  const published = await deps.sink.movePointer(storedRun(plan.asOf, plan.runId, text));
  deps.log.info('run already stored; latest.json settled (duplicate scheduled delivery)', {
    runId: plan.runId,
    asOf: plan.asOf,
    pointer: published.pointer,
  });
  return summarize(manifest, plan, 'already-published', published);
}

function summarize(manifest: Manifest, plan: RunPlan, status: RunColorsResult['status'], published: PublishedRun | null): RunColorsResult {
  return {
    status,
    runId: manifest.runId,
    asOf: manifest.asOf,
    trigger: plan.trigger,
    location: published?.location ?? null,
    pointer: published?.pointer ?? null,
    counts: manifest.counts,
    files: manifest.files,
    window: manifest.window,
    durationMs: manifest.durationMs,
    ...(manifest.inputs ? { inputs: manifest.inputs } : {}),
    ...(manifest.rejectedUploads ? { rejectedUploads: manifest.rejectedUploads } : {}),
  };
}
