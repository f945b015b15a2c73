/**
 * Errors the product raises on purpose. Each has a stable `code` that logs, alarms and the
 * troubleshooting table key on, and a message a person can act on. None ever carries a secret.
 */
export abstract class MarketPulseError extends Error {
  abstract readonly code: string;
  // Each subclass spells its own name: the Lambda bundle is minified without keepNames
  // (lib/job-function.ts), so class names do not survive; logs and alarms key on these.
  abstract override readonly name: string;
}

/** One problem in a config or rules document, located by its JSON path. */
export interface ConfigIssue {
  /** e.g. `rules[2].when.all[1].op`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

/** The config document (rules, ranking, window…) is unreadable or invalid. The run does not start. */
export class ConfigError extends MarketPulseError {
  override readonly name: string = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly source: string;
  readonly issues: readonly ConfigIssue[];
  constructor(source: string, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(ConfigError.describe(source, issues), options);
    this.source = source;
    this.issues = issues;
  }

  private static describe(source: string, issues: readonly ConfigIssue[]): string {
    const lines = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
    if (lines.length === 1) return `invalid config ${source}: ${lines[0]}`;
    return `invalid config ${source} (${lines.length} problems): ${lines.join('; ')}`;
  }
}

/** The input cannot be read as colors at all (missing file, missing required columns, bad framing). */
export class SourceError extends MarketPulseError {
  override readonly name: string = 'SourceError';
  readonly code = 'SOURCE_INVALID';
}

/** What readers can see after a publish that failed (docs/publishing.md). */
export type PublishVisibility =
  /** No manifest: nothing of the run is visible, latest.json is unchanged. */
  | 'nothing'
  /** Writing the manifest failed and whether it was stored could not be checked; latest.json was not moved to the run. */
  | 'unknown'
  /** The run is complete (manifest stored) but latest.json does not name it. */
  | 'stored'
  /** The run is complete; whether latest.json names it could not be confirmed. */
  | 'pointer-unknown';

/** Publishing failed; `visible` says what of the run readers can see (by default: nothing). */
export class PublishError extends MarketPulseError {
  override readonly name: string = 'PublishError';
  readonly code = 'PUBLISH_FAILED';
  readonly visible: PublishVisibility;
  constructor(message: string, options?: { cause?: unknown; visible?: PublishVisibility }) {
    super(message, options);
    this.visible = options?.visible ?? 'nothing';
  }
}

/** This run id is already stored with other bytes; published objects are never overwritten. */
export class RunAlreadyPublishedError extends MarketPulseError {
  override readonly name: string = 'RunAlreadyPublishedError';
  readonly code = 'RUN_ALREADY_PUBLISHED';
}

/**
 * The run is published but held back: no ranked rows, or too many rejected (publish.maxRejectedRatio),
 * so latest.json still names the run before it. A failure, so that alarms and retries see it.
 */
export class RunHeldBackError extends MarketPulseError {
  override readonly name: string = 'RunHeldBackError';
  readonly code = 'RUN_HELD_BACK';
  /** True when a retry found the run already held back (it was reported when it was published). */
  readonly repeat: boolean;
  constructor(message: string, options?: { cause?: unknown; repeat?: boolean }) {
    super(message, options);
    this.repeat = options?.repeat ?? false;
  }
}

/** Arguments or an event the product cannot act on. */
export class UsageError extends MarketPulseError {
  override readonly name: string = 'UsageError';
  readonly code = 'USAGE';
}

/** SSM settings are missing, unreadable, undecryptable or invalid. Names the parameters and the fix. */
export class SettingsError extends MarketPulseError {
  override readonly name: string = 'SettingsError';
  readonly code = 'SETTINGS_UNAVAILABLE';
}

/** The database refused the credentials even after re-reading them from SSM (ORA-01017, ORA-28001…). */
export class CredentialsError extends MarketPulseError {
  override readonly name: string = 'CredentialsError';
  readonly code = 'CREDENTIALS_REJECTED';
}

/**
 * The database could not be reached or dropped the connection, and retrying within the time left
 * did not help (or the circuit breaker is open). A later run may well succeed.
 */
export class TransientSourceError extends MarketPulseError {
  override readonly name: string = 'TransientSourceError';
  readonly code = 'SOURCE_UNAVAILABLE';
}

/** The database answered with an error that retrying will not fix (table not found, bad column…). */
export class DatabaseError extends MarketPulseError {
  override readonly name: string = 'DatabaseError';
  readonly code = 'DATABASE_ERROR';
}

/** A backfill execution ended without succeeding for every date. */
export class BackfillFailedError extends MarketPulseError {
  override readonly name: string = 'BackfillFailedError';
  readonly code = 'BACKFILL_FAILED';
}

/** `market-pulse upload`: the day already has a file of that name; nothing was overwritten. */
export class UploadExistsError extends MarketPulseError {
  override readonly name: string = 'UploadExistsError';
  readonly code = 'UPLOAD_EXISTS';
}
