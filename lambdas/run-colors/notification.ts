/**
 * What run-colors tells the stage's run topic when a run ends (docs/runbook.md "Run notifications"):
 * `run-published`, `run-held-back` or `run-failed`, with the run, its counts and where its files
 * are. Pure: an outcome in, a message out; lambdas/adapters/sns-notifier.ts publishes it.
 *
 * One message serves two kinds of subscriber: e-mail gets {@link RunNotification.text}, a short
 * text a person reads; every other protocol (SQS, Lambda, HTTPS, email-json) gets the JSON
 * {@link RunMessage}. The attributes `kind`, `stage`, `asOf` and `trigger` let a subscription
 * filter without reading the body.
 *
 * Only what is safe to mail goes in: counts, locations, reasons, and for a failure the product
 * error's code and message (those never carry a secret: lambdas/errors.ts). Any other error is
 * named by its class alone; its message stays in the function's log, where secrets are redacted.
 */
import { MarketPulseError } from '../errors.js';
import type { PointerOutcome } from '../pipeline/latest-pointer.js';
import type { RejectedUpload, RunCounts } from '../pipeline/manifest.js';
import type { ComparisonSummary } from '../pipeline/report/changes-json.js';
import { REPORT_FILE } from '../pipeline/report/report-html.js';
import type { RunTrigger } from './event.js';

export type RunEventKind = 'run-published' | 'run-held-back' | 'run-failed';

/** SNS takes a subject of less than 100 characters; a failure's message is clipped well before SNS's 256 KB. */
const MAX_SUBJECT = 99;
const MAX_ERROR_MESSAGE = 2_000;

interface RunIdentity {
  readonly asOf: string;
  readonly runId: string;
  readonly trigger: RunTrigger;
}

interface StoredRunFacts extends RunIdentity {
  /** Where the run's files are, e.g. `s3://bucket/market-pulse/runs/as-of=2026-11-20/run-id=…`. */
  readonly location: string;
  readonly counts: RunCounts;
  /** The files the manifest lists. */
  readonly files: readonly { readonly name: string }[];
  /** What changed since the runs before it, from the run's report; absent without one. */
  readonly changes?: readonly ComparisonSummary[];
  /** The day's uploads the run left out, and why (the manifest's rejectedUploads). */
  readonly rejectedUploads?: readonly RejectedUpload[];
}

/** How a run ended, as far as its subscribers are concerned. */
export type RunOutcome =
  | (StoredRunFacts & {
      readonly kind: 'run-published';
      /** What latest.json names now: this run, or a newer one. */
      readonly pointer: PointerOutcome;
      /** True when a later attempt of the same scheduled run finished it (the run itself did not run again). */
      readonly redelivery: boolean;
    })
  | (StoredRunFacts & { readonly kind: 'run-held-back'; readonly reason: string })
  | (RunIdentity & { readonly kind: 'run-failed'; readonly error: unknown });

/** The JSON document non-e-mail subscribers receive (docs/runbook.md lists its fields). */
export interface RunMessage {
  readonly messageVersion: 1;
  readonly kind: RunEventKind;
  readonly stage: string;
  readonly asOf: string;
  readonly runId: string;
  readonly trigger: RunIdentity['trigger'];
  /** The run's folder; null for a failed run. */
  readonly location: string | null;
  /** The manifest's counts; null for a failed run. */
  readonly counts: RunCounts | null;
  /** Key of report.html in the results bucket: present only when the run's manifest lists one. */
  readonly reportKey?: string;
  /** What changed since the previous run of the date and the last run of the previous date (changes.json in a few numbers). */
  readonly changes?: readonly ComparisonSummary[];
  /** The day's uploads the run left out, and why; present only when it left one out. */
  readonly rejectedUploads?: readonly RejectedUpload[];
  /** run-published: what latest.json names now. */
  readonly pointer?: PointerOutcome;
  readonly redelivery?: boolean;
  /** run-held-back: why latest.json was not moved to the run. */
  readonly heldBack?: string;
  /** run-failed: the product's error code and message. */
  readonly error?: { readonly code: string; readonly message: string };
}

export type RunMessageAttributes = Readonly<Record<'kind' | 'stage' | 'asOf' | 'trigger', string>>;

export interface RunNotification {
  readonly subject: string;
  readonly message: RunMessage;
  /** What e-mail subscribers read. */
  readonly text: string;
  readonly attributes: RunMessageAttributes;
}

/** Where run notifications go (the stage's SNS topic in the Lambda). */
export interface RunNotifier {
  publish(notification: RunNotification): Promise<void>;
}

export function buildRunNotification(outcome: RunOutcome, stage: string): RunNotification {
  const message = runMessage(outcome, stage);
  return {
    subject: clip(subjectOf(message), MAX_SUBJECT),
    message,
    text: textOf(message),
    attributes: { kind: message.kind, stage, asOf: message.asOf, trigger: message.trigger },
  };
}

function runMessage(outcome: RunOutcome, stage: string): RunMessage {
  const identity = {
    messageVersion: 1,
    kind: outcome.kind,
    stage,
    asOf: outcome.asOf,
    runId: outcome.runId,
    trigger: outcome.trigger,
  } as const;
  if (outcome.kind === 'run-failed') return { ...identity, location: null, counts: null, error: describeFailure(outcome.error) };
  const reportKey = reportKeyOf(outcome.location, outcome.files);
  const stored = {
    ...identity,
    location: outcome.location,
    counts: outcome.counts,
    ...(reportKey === undefined ? {} : { reportKey }),
    ...(outcome.changes === undefined ? {} : { changes: outcome.changes }),
    ...(outcome.rejectedUploads?.length ? { rejectedUploads: outcome.rejectedUploads } : {}),
  };
  if (outcome.kind === 'run-held-back') return { ...stored, heldBack: outcome.reason };
  return { ...stored, pointer: outcome.pointer, redelivery: outcome.redelivery };
}

/** `<run folder>/report.html` as a key in the results bucket, when the manifest lists the report. */
export function reportKeyOf(location: string, files: readonly { readonly name: string }[]): string | undefined {
  if (!files.some((file) => file.name === REPORT_FILE)) return undefined;
  const folder = /^s3:\/\/[^/]+\/(.+)$/.exec(location)?.[1] ?? location;
  return `${folder.replace(/\/+$/, '')}/${REPORT_FILE}`;
}

/** A product error's code and message; anything else by its class only (its message may say more than a subscriber should read). */
function describeFailure(error: unknown): { code: string; message: string } {
  if (error instanceof MarketPulseError) return { code: error.code, message: clip(error.message, MAX_ERROR_MESSAGE) };
  const name = error instanceof Error ? error.name : typeof error;
  return { code: 'UNEXPECTED', message: `unexpected ${name}; the run-colors log has the details` };
}

const VERB: Readonly<Record<RunEventKind, string>> = { 'run-published': 'published', 'run-held-back': 'held back', 'run-failed': 'failed' };

function subjectOf(message: RunMessage): string {
  const ranked = message.kind === 'run-published' && message.counts ? ` (${count(message.counts.ranked)} ranked)` : '';
  return `market-pulse ${message.stage}: run ${VERB[message.kind]} for ${message.asOf}${ranked}`;
}

function textOf(message: RunMessage): string {
  const lines = [`Run ${VERB[message.kind]}: market-pulse ${message.stage}, as-of ${message.asOf}.`, ''];
  if (message.heldBack !== undefined) {
    lines.push(
      `Why: ${message.heldBack}.`,
      'latest.json was not moved: readers still get the run before it. rejected.csv in its folder says why each row was rejected.',
      '',
    );
  }
  if (message.error) lines.push(`Error: ${message.error.code}: ${message.error.message}`, '');
  if (message.counts) {
    const c = message.counts;
    lines.push(
      `Rows: ${count(c.read)} read: ${count(c.ranked)} ranked in ${count(c.groups)} groups, ${count(c.excluded)} excluded, ${count(c.rejected)} rejected.`,
    );
  }
  for (const comparison of message.changes ?? []) lines.push(changesLine(comparison));
  for (const upload of message.rejectedUploads ?? []) lines.push(`Upload left out: ${upload.key} (${upload.reason}).`);
  lines.push(`Run: ${message.runId} (${message.trigger})`);
  if (message.location) lines.push(`Files: ${message.location}/`);
  if (message.reportKey) lines.push(`Report: ${message.reportKey}`);
  if (message.pointer) lines.push(pointerLine(message.pointer, message.redelivery === true));
  if (message.kind === 'run-failed')
    lines.push('', 'Lambda retries a failed run; docs/runbook.md "Alarms and what to do" says what to check.');
  return `${lines.join('\n')}\n`;
}

const SINCE: Readonly<Record<ComparisonSummary['relation'], string>> = {
  'same-date': 'the previous run of the date',
  'previous-date': 'the previous date',
};

/** e.g. `Since the previous run of the date (01K…, 2026-11-20): 12 parents changed (rank 5, price 7), 2 CUSIPs new, 1 gone.` */
function changesLine(comparison: ComparisonSummary): string {
  const since = `Since ${SINCE[comparison.relation]}`;
  if (comparison.against === null) return `${since}: ${comparison.note ?? 'no run to compare with'}.`;
  const run = `${since} (${comparison.against.runId}, ${comparison.against.asOf})`;
  if (comparison.parentsChanged === null) return `${run}: parents not compared (${comparison.note ?? 'no parents.jsonl'}).`;
  const reasons = Object.entries(comparison.changedByReason ?? {}).filter(([, n]) => n > 0);
  const why = reasons.length > 0 ? ` (${reasons.map(([reason, n]) => `${reason} ${count(n)}`).join(', ')})` : '';
  return `${run}: ${count(comparison.parentsChanged)} parents changed${why}, ${count(comparison.newCusips ?? 0)} CUSIPs new, ${count(comparison.goneCusips ?? 0)} gone.`;
}

function pointerLine(pointer: PointerOutcome, redelivery: boolean): string {
  const again = redelivery ? ' (a later attempt of this scheduled run finished it)' : '';
  if (pointer.status === 'current') return `latest.json names this run${again}.`;
  if (pointer.status === 'newer') return `latest.json names a newer run, ${pointer.runId}; this one is kept beside it${again}.`;
  return `latest.json was not moved: ${pointer.reason}.`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
