/** Exit codes of the `market-pulse` CLI; documented in `--help` and docs/troubleshooting.md. */
export const EXIT = {
  ok: 0,
  /** Anything unexpected (a bug, or an error without a product code). */
  failed: 1,
  /** Unknown command or option, missing argument, bad as-of date. */
  usage: 2,
  /** The config document is unreadable or invalid; nothing ran. */
  config: 3,
  /** The input cannot be read as colors (missing file, missing required columns). */
  source: 4,
  /** Publishing failed (the message says what of the run is visible), or the run id is already published. */
  publish: 5,
  /** `health`: the report was printed and at least one check failed. */
  unhealthy: 6,
  /** `run`: published but held back (no ranked rows, or too many rejected): latest.json was not moved. */
  heldBack: 7,
  /** `config push|rollback`: the stage's config document changed since it was read; nothing was written. */
  conflict: 8,
  /** `upload`: the as-of date already has a file of that name; nothing was overwritten. */
  uploadExists: 9,
} as const;
