/**
 * The rough edges a new user hits with the built CLI on local files: what --help promises about exit
 * codes, empty and misplaced arguments, an output folder that cannot be written (or would hang Node's
 * mkdir), a config with thousands of rules, rule counts that overlap, and progress that looks like
 * progress — plain lines in a pipe, one updating line on a terminal — while errors keep their prefix.
 */
import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBuiltCli } from '../../helpers/built-cli.js';

const built = useBuiltCli('mp-cli-edges-');
const marketPulse = (...args: string[]) => built.run(...args);

const sample = ['--input', 'samples/colors.csv', '--config', 'samples/config.json'];

describe('--help states the exit codes each command really uses', () => {
  const exitCodes = (help: string) => {
    const section = /^Exit codes: ([\s\S]*?)\.$/m.exec(help)?.[1] ?? '';
    return [...section.matchAll(/(?:^|,\s+)(\d) /g)].map((match) => Number(match[1])).sort();
  };

  it.each([
    ['run', [0, 1, 2, 3, 4, 5, 7]],
    ['validate-config', [0, 2, 3]],
    ['health', [0, 1, 2, 6]],
    ['extract', [0, 1, 2, 5]],
    ['backfill', [0, 1, 2]],
  ] as const)('%s', (command, codes) => {
    const { code, stdout } = marketPulse(command, '--help');
    expect(code).toBe(0);
    expect(exitCodes(stdout)).toEqual(codes);
  });

  it('health says a failed check exits 6 (as it does: see health-extract-cli.test.ts)', () => {
    expect(marketPulse('health', '--help').stdout).toContain('6 a check failed (the report is still printed)');
  });
});

describe('arguments', () => {
  it.each(['--out', '--input', '--config', '--as-of'])('an empty %s is a usage error, not "here"', (option) => {
    const args = [
      '--input',
      'samples/colors.csv',
      '--config',
      'samples/config.json',
      '--out',
      join(built.work, 'never'),
      '--as-of',
      '2026-11-20',
    ];
    args[args.indexOf(option) + 1] = '';
    const { code, stderr } = marketPulse('run', ...args);
    expect(stderr).toBe(`market-pulse: ${option} is empty; give it a value (see --help)\n`);
    expect(code).toBe(2);
  });

  it('a folder as --input is named as a folder', () => {
    const { code, stderr } = marketPulse(
      'run',
      '--input',
      'samples',
      '--config',
      'samples/config.json',
      '--out',
      join(built.work, 'never'),
    );
    expect(stderr).toBe('market-pulse: --input samples is a directory, not a file; give a .csv, .jsonl, .ndjson or .xlsx file\n');
    expect(code).toBe(4);
  });
});

describe('--out that cannot be written is refused before the run', () => {
  it("under /proc, where Node's recursive mkdir would never return", () => {
    const { code, stderr } = marketPulse('run', ...sample, '--out', '/proc/market-pulse-test/out');
    expect(stderr).toBe(
      'market-pulse: cannot write under --out /proc/market-pulse-test/out: /proc does not take new folders (ENOENT); nothing was run\n',
    );
    expect(code).toBe(5);
  });

  it("for extract too, before the stage's settings are read", () => {
    const { code, stderr } = marketPulse('extract', '--stage', 'dev', '--out', '/proc/market-pulse-test/extracts');
    expect(stderr).toBe(
      'market-pulse: cannot write under --out /proc/market-pulse-test/extracts: /proc does not take new folders (ENOENT); nothing was run\n',
    );
    expect(code).toBe(5);
  });

  it('below a file', async () => {
    const file = join(built.work, 'a-file');
    await writeFile(file, 'x');
    const { code, stderr } = marketPulse('run', ...sample, '--out', join(file, 'out'));
    expect(stderr).toBe(`market-pulse: cannot write under --out ${join(file, 'out')}: ${file} is a file, not a folder; nothing was run\n`);
    expect(code).toBe(5);
  });

  it('but a folder that does not exist yet is created, and the check leaves nothing behind', async () => {
    const parent = join(built.work, 'fresh');
    const { code } = marketPulse('run', ...sample, '--out', join(parent, 'deeper', 'out'), '--as-of', '2026-11-20');
    expect(code).toBe(0);
    expect(await readdir(join(parent, 'deeper', 'out', 'runs'))).toEqual(['as-of=2026-11-20']);
    expect(await readdir(parent)).toEqual(['deeper']);
  });
});

describe('the summary', () => {
  it('says that per-rule counts overlap when they add up to more than the rows excluded', () => {
    const { code, stdout } = marketPulse('run', ...sample, '--dry-run', '--out', join(built.work, 'dry'), '--as-of', '2026-11-20');
    expect(code).toBe(0);
    const excluded = Number(/, ([\d,]+) excluded,/.exec(stdout)![1]!.replace(/,/g, ''));
    const line = /^ {2}excluded by rule \(a row can match several\): (.*)$/m.exec(stdout);
    expect(line, stdout).not.toBeNull();
    const counts = [...line![1]!.matchAll(/ ([\d,]+)(?:,|$)/g)].map((match) => Number(match[1]!.replace(/,/g, '')));
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(excluded);
  });

  it('lists the busiest rules of a config with thousands, not a line per rule', async () => {
    const rules = Array.from({ length: 20_000 }, (_, index) => ({
      name: `px-above-${index}`,
      when: { column: 'PX', op: 'gt', value: index },
    }));
    const config = join(built.work, 'many-rules.json');
    await writeFile(config, JSON.stringify({ rules }));
    const input = join(built.work, 'three.csv');
    await writeFile(
      input,
      'MESSAGE_ID,CUSIP,DATE,PX,RANK\n1,912828Z11,2026-11-20,2.5,1\n2,912828Z11,2026-11-20,99,1\n3,912828Z12,2026-11-20,,1\n',
    );
    const { code, stdout } = marketPulse(
      'run',
      '--input',
      input,
      '--config',
      config,
      '--dry-run',
      '--out',
      join(built.work, 'dry'),
      '--as-of',
      '2026-11-20',
    );
    expect(code).toBe(0);
    const line = stdout.split('\n').find((text) => text.startsWith('  excluded by rule'))!;
    expect(line).toBe(
      '  excluded by rule (a row can match several): px-above-0 2, px-above-1 2, px-above-2 2, px-above-3 1, px-above-4 1, px-above-5 1, ' +
        'px-above-6 1, px-above-7 1 and 19,992 more rule(s) (every count is in manifest.json)',
    );
    expect(stdout.length).toBeLessThan(1_000);
  });
});

describe('progress', () => {
  let big: string;
  beforeAll(async () => {
    // 260,000 narrow rows (the columns the sample config reads): past the first 250,000-row mark, and quick to read.
    const rows = Array.from(
      { length: 260_000 },
      (_, index) => `${index + 1},9128280${String(index % 500).padStart(2, '0')},2026-11-20,${index % 97},${(index % 3) + 1},,,`,
    );
    big = join(built.work, 'big.csv');
    await writeFile(big, `MESSAGE_ID,CUSIP,DATE,PX,RANK,BIAS,CONFIDENCE,SOURCE\n${rows.join('\n')}\n`);
  });

  it('in a pipe: plain lines, no market-pulse: prefix (errors keep theirs)', () => {
    const { code, stdout, stderr } = marketPulse(
      'run',
      '--input',
      big,
      '--config',
      'samples/config.json',
      '--dry-run',
      '--out',
      join(built.work, 'dry'),
      '--as-of',
      '2026-11-20',
    );
    expect(code).toBe(0);
    // The warning names the color columns the file lacks (nothing reads them); then the progress lines.
    expect(stderr).toMatch(/^warning: [^\n]*lacks[^\n]*\nreading 250,000 rows\nranking…\nrendering…\n$/);
    expect(stdout).toMatch(/read 260,000 rows/);
    expect(marketPulse('run', '--input', 'no/such.csv', '--config', 'samples/config.json', '--out', join(built.work, 'never')).stderr).toBe(
      'market-pulse: input file not found: no/such.csv\n',
    );
  });

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('on a terminal: one line redrawn in place, cleared before the summary', () => {
    const command = [
      process.execPath,
      built.cli,
      'run',
      '--input',
      big,
      '--config',
      'samples/config.json',
      '--dry-run',
      '--out',
      join(built.work, 'dry'),
      '--as-of',
      '2026-11-20',
    ].join(' ');
    // script(1) gives the CLI a pseudo-terminal for stdout and stderr, and copies what it shows.
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(0);
    const shown = result.stdout;
    const redraws = shown.split('\r\u001b[2K').slice(1);
    expect(redraws.some((text) => /^reading [\d,]+ rows {2}\d+\.\d s$/.test(text))).toBe(true);
    // No progress line ends with a newline (each is redrawn), and the summary starts on a clean line.
    expect(shown).not.toMatch(/reading [\d,]+ rows {2}\d+\.\d s\r?\n/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress line starts with the terminal's erase-line sequence.
    expect(shown).toMatch(/\r\u001b\[2KRun [0-9A-Z]{26} for as-of 2026-11-20/);
    expect(shown).not.toContain('market-pulse:');
  });
});
