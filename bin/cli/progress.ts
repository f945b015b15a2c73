/**
 * Progress for a long command, kept apart from errors (which carry the `market-pulse:` prefix).
 *
 * - On a terminal: one line redrawn in place (`reading 1,250,000 rows  4.2 s`), at most every
 *   {@link REDRAW_MS} and at least twice a second, shown only once the command has run for
 *   {@link QUIET_MS} (a quick run prints nothing), and cleared when done. Other lines (warnings, retries) go through
 *   {@link ProgressReporter.line}, which clears the progress line first and redraws it after.
 * - Otherwise (a pipe, a log file, CI): plain lines, one per {@link PLAIN_EVERY_ROWS} rows read,
 *   and once such a line was printed, one when each later phase starts.
 *
 * Cheap by design: callers report rows every few thousand rows, and a report costs a clock read
 * and a comparison unless a redraw is due. Not tied to `run`: any command with phases and a count.
 */

/** Where a terminal progress line is drawn (process.stderr when it is a TTY). */
export interface ProgressTerminal {
  write(text: string): unknown;
  readonly columns?: number;
}

export interface ProgressOptions {
  /** Draw on this terminal; without one, plain lines go to `writeLine`. */
  readonly terminal?: ProgressTerminal | undefined;
  /** Writes one whole line (a newline is added). */
  readonly writeLine: (line: string) => void;
  readonly now?: () => number;
}

export const REDRAW_MS = 100;
export const QUIET_MS = 250;
export const PLAIN_EVERY_ROWS = 250_000;
const CLEAR_LINE = '\r\u001b[2K';

export class ProgressReporter {
  private readonly terminal: ProgressTerminal | undefined;
  private readonly writeLine: (line: string) => void;
  private readonly now: () => number;
  private readonly started: number;
  private phase = '';
  private count: number | undefined;
  private drawnAt: number | undefined;
  private plainLines = 0;
  /** Redraws on a terminal while nothing reports (a slow connect), so the clock keeps moving. */
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(options: ProgressOptions) {
    this.terminal = options.terminal;
    this.writeLine = options.writeLine;
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** A new phase, e.g. `reading` or `ranking`, with the count it starts from (if any). */
  setPhase(phase: string, count?: number): void {
    this.phase = phase;
    this.count = count;
    if (this.terminal) {
      // unref: a forgotten done() must not keep the process alive.
      this.ticker ??= setInterval(() => this.draw(false), 500).unref();
      this.draw(true);
    } else if (this.plainLines > 0) {
      this.plain();
    }
  }

  /** The count so far in the current phase (rows read). */
  setCount(count: number): void {
    const before = this.count ?? 0;
    this.count = count;
    if (this.terminal) this.draw(false);
    else if (Math.floor(count / PLAIN_EVERY_ROWS) > Math.floor(before / PLAIN_EVERY_ROWS)) this.plain();
  }

  /** A line that is not progress (a warning, a retry), printed without tearing the progress line. */
  line(text: string): void {
    if (this.terminal && this.drawnAt !== undefined) {
      this.terminal.write(`${CLEAR_LINE}${text}\n`);
      this.terminal.write(this.render());
    } else {
      this.writeLine(text);
    }
  }

  /** Clears the progress line, so what the command prints next starts on a clean line. */
  done(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.terminal && this.drawnAt !== undefined) this.terminal.write(CLEAR_LINE);
    this.drawnAt = undefined;
  }

  private draw(force: boolean): void {
    const now = this.now();
    if (now - this.started < QUIET_MS) return;
    if (!force && this.drawnAt !== undefined && now - this.drawnAt < REDRAW_MS) return;
    this.drawnAt = now;
    this.terminal!.write(this.render());
  }

  private render(): string {
    const text = `${this.describe()}  ${((this.now() - this.started) / 1000).toFixed(1)} s`;
    // A line longer than the terminal wraps, and \r then redraws only its last part.
    // A pseudo-terminal with no size set reports 0 columns.
    const width = Math.max(20, (this.terminal?.columns || 80) - 1);
    return `${CLEAR_LINE}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`;
  }

  private plain(): void {
    this.plainLines++;
    this.writeLine(this.describe());
  }

  private describe(): string {
    return this.count === undefined ? `${this.phase}…` : `${this.phase} ${this.count.toLocaleString('en-US')} rows`;
  }
}
