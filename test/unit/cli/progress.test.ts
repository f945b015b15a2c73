/** The progress reporter on a fake terminal and a fake clock: what is drawn, when, and what is not. */
import { afterEach, describe, expect, it } from 'vitest';
import { PLAIN_EVERY_ROWS, ProgressReporter, QUIET_MS, REDRAW_MS } from '../../../bin/cli/progress.js';

const CLEAR = '\r\u001b[2K';

function setup(options: { terminal: boolean; columns?: number }) {
  let time = 1_000;
  const drawn: string[] = [];
  const lines: string[] = [];
  const terminal = options.terminal ? { write: (text: string) => drawn.push(text), columns: options.columns ?? 80 } : undefined;
  const reporter = new ProgressReporter({ terminal, writeLine: (line) => lines.push(line), now: () => time });
  reporters.push(reporter);
  return { reporter, drawn, lines, advance: (ms: number) => (time += ms) };
}

const reporters: ProgressReporter[] = [];
afterEach(() => {
  for (const reporter of reporters.splice(0)) reporter.done();
});

describe('on a terminal', () => {
  it('draws nothing for a quick run', () => {
    const { reporter, drawn } = setup({ terminal: true });
    reporter.setPhase('reading', 0);
    reporter.setCount(10_000);
    reporter.setPhase('ranking');
    reporter.done();
    expect(drawn).toEqual([]);
  });

  it('redraws one line in place, at most every REDRAW_MS, and clears it when done', () => {
    const { reporter, drawn, advance } = setup({ terminal: true });
    reporter.setPhase('reading', 0);
    advance(QUIET_MS + 50);
    reporter.setCount(10_000);
    advance(REDRAW_MS - 1);
    reporter.setCount(20_000); // too soon: not drawn
    advance(1);
    reporter.setCount(30_000);
    reporter.setPhase('ranking'); // a new phase is drawn at once
    reporter.done();
    expect(drawn).toEqual([`${CLEAR}reading 10,000 rows  0.3 s`, `${CLEAR}reading 30,000 rows  0.4 s`, `${CLEAR}ranking…  0.4 s`, CLEAR]);
    expect(drawn.join('')).not.toContain('\n');
  });

  it('prints other lines above the progress line, then redraws it', () => {
    const { reporter, drawn, lines, advance } = setup({ terminal: true });
    reporter.line('warning: before anything is drawn');
    reporter.setPhase('reading', 0);
    advance(QUIET_MS);
    reporter.setCount(10_000);
    reporter.line('warning: ignoring columns that are not color columns: NOTE');
    expect(lines).toEqual(['warning: before anything is drawn']);
    expect(drawn.slice(1)).toEqual([
      `${CLEAR}warning: ignoring columns that are not color columns: NOTE\n`,
      `${CLEAR}reading 10,000 rows  0.3 s`,
    ]);
  });

  it('never wraps: a line wider than the terminal is cut', () => {
    const { reporter, drawn, advance } = setup({ terminal: true, columns: 24 });
    advance(QUIET_MS);
    reporter.setPhase('connecting to Oracle');
    expect(drawn).toEqual([`${CLEAR}connecting to Oracle… …`]);
    expect(drawn[0]!.length - CLEAR.length).toBe(23);
  });
});

describe('in a pipe or a log', () => {
  it('prints a plain line per PLAIN_EVERY_ROWS rows, then each later phase', () => {
    const { reporter, lines } = setup({ terminal: false });
    reporter.setPhase('reading', 0);
    for (let rows = 10_000; rows <= 2 * PLAIN_EVERY_ROWS + 30_000; rows += 10_000) reporter.setCount(rows);
    reporter.setPhase('ranking');
    reporter.setPhase('publishing');
    reporter.done();
    expect(lines).toEqual(['reading 250,000 rows', 'reading 500,000 rows', 'ranking…', 'publishing…']);
  });

  it('prints nothing for a run that never reaches the first mark, and passes other lines through', () => {
    const { reporter, lines } = setup({ terminal: false });
    reporter.setPhase('reading', 0);
    reporter.setCount(PLAIN_EVERY_ROWS - 1);
    reporter.line('warning: something to say');
    reporter.setPhase('ranking');
    reporter.done();
    expect(lines).toEqual(['warning: something to say']);
  });
});
