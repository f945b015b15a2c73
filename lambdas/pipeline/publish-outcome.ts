/**
 * The errors a sink raises when a publish fails, worded by what readers can see
 * (docs/publishing.md): the same sentences for S3 and folders, so a person reading one knows
 * whether the run is invisible, stored but not promoted, or uncertain.
 */
import { PublishError, type PublishVisibility } from '../errors.js';
import { LATEST_FILE, PointerMoveError } from './latest-pointer.js';

/** The run's manifest was not stored (`nothing`), or may have been (`unknown`). */
export function runNotPublished(
  runId: string,
  what: string,
  visible: Extract<PublishVisibility, 'nothing' | 'unknown'>,
  cause: unknown,
): PublishError {
  const outcome =
    visible === 'nothing'
      ? 'Nothing of the run is visible to readers; latest.json was not changed'
      : 'The run may or may not be stored; latest.json was not moved to it';
  return new PublishError(`run ${runId} was not published: ${what}. ${outcome}`, { cause, visible });
}

/** The run is stored (complete) but moving latest.json to it failed, or could not be confirmed. */
export function pointerNotMoved(runId: string, location: string, latest: string, reason: string, error: unknown): PublishError {
  if (error instanceof PointerMoveError && error.uncertain) {
    return new PublishError(
      `run ${runId} is complete at ${location}, but whether ${latest} now names it could not be confirmed: ${reason}`,
      { cause: error, visible: 'pointer-unknown' },
    );
  }
  const seen = error instanceof PointerMoveError ? error.seen : undefined;
  const still =
    seen === undefined ? '' : seen === null ? ` ${LATEST_FILE} does not exist yet.` : ` ${LATEST_FILE} still names run ${seen.runId}.`;
  return new PublishError(`run ${runId} is complete at ${location}, but ${latest} was not moved to it: ${reason}.${still}`, {
    cause: error,
    visible: 'stored',
  });
}
