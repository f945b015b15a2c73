/**
 * One invocation of the `run-colors` job, with every edge passed in: what the handler builds from
 * AWS, a test builds from fakes. Order matters: the event is checked first, a duplicate scheduled
 * delivery returns the published run before anything else happens, and the config document is
 * validated before the database is touched, so a broken document publishes nothing.
 */
import { RunAlreadyPublishedError } from '../errors.js';
import type { Log } from '../log.js';
import type { LoadedConfig, RunConfig } from '../pipeline/config.js';
import type { Manifest } from '../pipeline/manifest.js';
import type { ColorSource, ResultSink } from '../pipeline/ports.js';
import { runColors } from '../pipeline/run.js';
import { runWindow, type RunWindowBounds } from '../pipeline/run-window.js';
import { ZoneClock } from '../pipeline/time-zone.js';
import { planRun, type RunPlan } from './event.js';

export interface RunColorsDeps {
  readonly loadConfig: () => Promise<LoadedConfig>;
  readonly createSource: (config: RunConfig, window: RunWindowBounds) => ColorSource;
  readonly sink: ResultSink;
  readonly scheduleTimeZone: string;
  readonly now?: () => Date;
  readonly log: Log;
  /** Told the plan as soon as it is known, e.g. to tag every later log line with the run id. */
  readonly onPlanned?: (plan: RunPlan) => void;
}

/** What the Lambda returns: the manifest's summary and where the run is. */
export interface RunColorsResult {
  readonly status: 'published' | 'dry-run' | 'already-published';
  readonly runId: string;
  readonly asOf: string;
  readonly trigger: RunPlan['trigger'];
  readonly location: string | null;
  readonly counts: Manifest['counts'];
  readonly files: Manifest['files'];
  readonly window: Manifest['window'];
  readonly durationMs: number;
}

export async function runColorsJob(event: unknown, deps: RunColorsDeps): Promise<RunColorsResult> {
  const now = deps.now ?? (() => new Date());
  const plan = planRun(event, new ZoneClock(deps.scheduleTimeZone), now());
  deps.onPlanned?.(plan);
  deps.log.info('run planned', { ...plan });

  if (plan.trigger === 'scheduled' && !plan.dryRun) {
    const published = await alreadyPublished(plan, deps);
    if (published) return published;
  }

  const loaded = await deps.loadConfig();
  const { config } = loaded;
  const window = runWindow(plan.asOf, config.window.lookbackDays, new ZoneClock(config.window.timeZone));
  deps.log.info('config loaded', { source: loaded.source, sha256: loaded.sha256, version: config.version, window });

  try {
    const { manifest, published } = await runColors({
      source: deps.createSource(config, window),
      sink: deps.sink,
      config: loaded,
      asOf: plan.asOf,
      runId: plan.runId,
      window,
      dryRun: plan.dryRun,
      now,
      onProgress: (rows) => deps.log.info('rows read', { rows }),
      onWarning: (message) => deps.log.warn(message),
    });
    const result = summarize(manifest, plan, published ? 'published' : 'dry-run', published?.location ?? null);
    deps.log.info('run finished', { status: result.status, runId: result.runId, counts: result.counts, location: result.location });
    return result;
  } catch (error) {
    // Two deliveries of one schedule raced: the other published first, which is the same run.
    if (error instanceof RunAlreadyPublishedError && plan.trigger === 'scheduled') {
      const published = await alreadyPublished(plan, deps);
      if (published) return published;
    }
    throw error;
  }
}

async function alreadyPublished(plan: RunPlan, deps: RunColorsDeps): Promise<RunColorsResult | undefined> {
  const text = await deps.sink.readManifest(plan.asOf, plan.runId);
  if (text === null) return undefined;
  const manifest = JSON.parse(text) as Manifest;
  if (manifest.runId !== plan.runId || manifest.asOf !== plan.asOf) {
    throw new RunAlreadyPublishedError(
      `the manifest stored for run ${plan.runId} (as-of ${plan.asOf}) names run ${manifest.runId} for ${manifest.asOf}; refusing to treat it as this run`,
    );
  }
  deps.log.info('run already published; returning it (duplicate scheduled delivery)', { runId: plan.runId, asOf: plan.asOf });
  return summarize(manifest, plan, 'already-published', null);
}

function summarize(manifest: Manifest, plan: RunPlan, status: RunColorsResult['status'], location: string | null): RunColorsResult {
  return {
    status,
    runId: manifest.runId,
    asOf: manifest.asOf,
    trigger: plan.trigger,
    location,
    counts: manifest.counts,
    files: manifest.files,
    window: manifest.window,
    durationMs: manifest.durationMs,
  };
}
