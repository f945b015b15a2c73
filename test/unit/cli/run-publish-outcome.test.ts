/**
 * `market-pulse run` (the built CLI, as a subprocess) on what a new user tries first: a header-only
 * file, a file whose every date is written the US way, a closed pipe on stdout or stderr, a folder
 * an interrupted run left things in. Exit codes and messages say exactly what is visible.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBuiltCli } from '../../helpers/built-cli.js';

const built = useBuiltCli('mp-cli-outcome-');
const marketPulse = (...args: string[]) => built.run(...args);

const run = (input: string, out: string) =>
  marketPulse('run', '--input', input, '--config', 'samples/config.json', '--out', out, '--as-of', '2026-11-20');
/** The sample's header: every column the sample config's ranking order and rules read. */
const HEADER = readFileSync('samples/colors.csv', 'utf8').split('\n', 1)[0]!;
const COLUMNS = HEADER.split(',');
/** A CSV line under {@link HEADER} with the given values, every other column empty. */
const line = (values: Record<string, string>) => COLUMNS.map((column) => values[column] ?? '').join(',');

const latestOf = async (out: string) =>
  JSON.parse(await readFile(join(out, 'runs', 'as-of=2026-11-20', 'latest.json'), 'utf8')) as { runId: string };

describe('held-back runs', () => {
  it('a header-only file is published, exits 7, and latest.json stays on the good run', async () => {
    const out = join(built.work, 'header-only');
    expect(run('samples/colors.csv', out).code).toBe(0);
    const good = await latestOf(out);
    const input = join(built.work, 'header-only.csv');
    await writeFile(input, `${HEADER}\n`);

    const { code, stdout, stderr } = run(input, out);
    expect(code).toBe(7);
    const runId = /^Run ([0-9A-Z]{26}) /.exec(stdout)![1]!;
    const runDir = join(out, 'runs', 'as-of=2026-11-20', `run-id=${runId}`);
    expect(stdout).toContain(`latest:  ${join(out, 'runs', 'as-of=2026-11-20', 'latest.json')} (not moved: this run is held back)`);
    expect(stderr).toBe(
      `market-pulse: run ${runId} is held back: no ranked rows: the input has no data rows. Its files are at ${runDir} ` +
        '(its manifest counts the rows, rejected.csv says why each was rejected); latest.json was not moved to it\n',
    );
    expect(await latestOf(out)).toEqual(good);
    expect(JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')).heldBack).toBe('no ranked rows: the input has no data rows');
  });

  it('a file whose every date is written 3/13/2026 is held back with exit 7', async () => {
    const out = join(built.work, 'us-dates');
    expect(run('samples/colors.csv', out).code).toBe(0);
    const good = await latestOf(out);
    const input = join(built.work, 'us-dates.csv');
    await writeFile(
      input,
      `${[HEADER, line({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '3/13/2026', PX: '99' }), line({ MESSAGE_ID: '2', CUSIP: 'BBB', DATE: '3/13/2026', PX: '98' })].join('\n')}\n`,
    );
    const { code, stderr } = run(input, out);
    expect(code).toBe(7);
    expect(stderr).toMatch(/is held back: no ranked rows \(2 read: 0 excluded, 2 rejected\)\./);
    expect(await latestOf(out)).toEqual(good);
  });

  it('--help names exit code 7', () => {
    expect(marketPulse('--help').stdout).toContain('7 run held back');
    const help = marketPulse('run', '--help').stdout;
    expect(help).toMatch(/is held back: published, but latest\.json is not moved to it\./);
    expect(help).toContain('7 run held back');
  });
});

describe('a reader that goes away', () => {
  /**
   * Runs the CLI with one of its pipes closed before it writes (as `head -1` leaves it once it has
   * its line), reading the other; returns the exit code and what was read.
   */
  function runWithClosedPipe(close: 'stdout' | 'stderr', ...args: string[]): Promise<{ code: number | null; read: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [built.cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let read = '';
      const [closed, open] = close === 'stderr' ? [child.stderr, child.stdout] : [child.stdout, child.stderr];
      closed.destroy();
      open.on('data', (chunk) => (read += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, read }));
    });
  }

  it('`run … | head -1`: stdout closed before the summary changes neither the outcome nor the exit code', async () => {
    const out = join(built.work, 'epipe-stdout');
    const { code, read } = await runWithClosedPipe(
      'stdout',
      'run',
      '--input',
      'samples/colors.csv',
      '--config',
      'samples/config.json',
      '--out',
      out,
      '--as-of',
      '2026-11-20',
    );
    expect(read).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
    expect((await latestOf(out)).runId).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('`run … 2>&1 | head -1`: stderr closed before a warning is written, the run still publishes', async () => {
    const input = join(built.work, 'extra-column.csv');
    await writeFile(input, `${HEADER},NOTE\n${line({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '2026-11-20', PX: '99', RANK: '1' })},x\n`);
    const out = join(built.work, 'epipe-stderr');
    const { code, read } = await runWithClosedPipe(
      'stderr',
      'run',
      '--input',
      input,
      '--config',
      'samples/config.json',
      '--out',
      out,
      '--as-of',
      '2026-11-20',
    );
    expect(code).toBe(0);
    expect(read).toMatch(/^Run [0-9A-Z]{26} for as-of 2026-11-20/);
    expect(read).toContain('latest:  ');
    expect((await latestOf(out)).runId).toBe(/^Run ([0-9A-Z]{26})/.exec(read)![1]);
  });
});

describe('the output folder', () => {
  it('the next run removes what an interrupted run left, and leaves folders readable', async () => {
    const out = join(built.work, 'leftovers');
    const dateDir = join(out, 'runs', 'as-of=2026-11-20');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    await mkdir(join(dateDir, `.staging-01M8Q9YGVE8TSJQYJ9RA6B2HCD-${dead}-0123456789ab`), { recursive: true });
    await writeFile(join(dateDir, `.staging-01M8Q9YGVE8TSJQYJ9RA6B2HCD-${dead}-0123456789ab`, 'colors.csv'), 'partial');
    await writeFile(join(dateDir, `.latest.json.01M8Q9YGVE8TSJQYJ9RA6B2HCD-${dead}-0123456789ab`), '{}');

    const { code, stdout, stderr } = run('samples/colors.csv', out);
    expect(code).toBe(0);
    expect(stderr.trim().split('\n').sort()).toEqual([
      expect.stringMatching(/^warning: removed .*\.latest\.json\.01M8Q9YGVE8TSJQYJ9RA6B2HCD-\d+-0123456789ab, left by an interrupted run$/),
      expect.stringMatching(/^warning: removed .*\.staging-01M8Q9YGVE8TSJQYJ9RA6B2HCD-\d+-0123456789ab, left by an interrupted run$/),
    ]);
    const runId = /^Run ([0-9A-Z]{26}) /.exec(stdout)![1]!;
    expect((await readdir(dateDir)).sort()).toEqual(['latest.json', `run-id=${runId}`]);
    const umask = process.umask();
    expect((await stat(join(dateDir, `run-id=${runId}`))).mode & 0o777).toBe(0o777 & ~umask);
    expect((await stat(join(dateDir, `run-id=${runId}`, 'colors.csv'))).mode & 0o777).toBe(0o666 & ~umask);
  });
});
