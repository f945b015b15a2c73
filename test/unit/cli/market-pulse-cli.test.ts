/**
 * The built CLI, run as a subprocess exactly as a user runs it: on the bundled sample, and on every
 * kind of bad input, checking files, stdout/stderr and exit codes.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { colorsCsv } from '../../../scripts/colors-generator.js';
import { useBuiltCli } from '../../helpers/built-cli.js';

const built = useBuiltCli('mp-cli-');
const marketPulse = (...args: string[]) => built.run(...args);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('market-pulse run on the bundled sample', () => {
  it('publishes a complete run and prints a summary', async () => {
    const out = join(built.work, 'out');
    const { code, stdout, stderr } = marketPulse(
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
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Run [0-9A-Z]{26} for as-of 2026-11-20/);
    expect(stdout).toMatch(/read [\d,]+ rows: [\d,]+ ranked in [\d,]+ groups, [\d,]+ excluded, [\d,]+ rejected/);

    const dateDir = join(out, 'runs', 'as-of=2026-11-20');
    const latest = JSON.parse(await readFile(join(dateDir, 'latest.json'), 'utf8'));
    const runDir = join(dateDir, `run-id=${latest.runId}`);
    expect(stdout).toContain(runDir);
    expect((await readdir(runDir)).sort()).toEqual([
      'changes.json',
      'colors.csv',
      'excluded.csv',
      'manifest.json',
      'parents.jsonl',
      'rejected.csv',
      'report.html',
    ]);
    expect(stdout).toContain(`  report:  ${join(runDir, 'report.html')}\n`);

    const manifestBytes = await readFile(join(runDir, 'manifest.json'));
    expect(latest.manifestSha256).toBe(sha256(manifestBytes));
    const manifest = JSON.parse(manifestBytes.toString('utf8'));
    const { read, ranked, excluded, rejected } = manifest.counts;
    const sampleRows = (await readFile('samples/colors.csv', 'utf8')).trimEnd().split('\n').length - 1;
    expect(read).toBe(sampleRows);
    expect(ranked + excluded + rejected).toBe(read);
    expect(excluded).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
    for (const entry of manifest.files) {
      const bytes = await readFile(join(runDir, entry.name));
      expect(entry.sha256).toBe(sha256(bytes));
      expect(entry.bytes).toBe(bytes.length);
    }
    expect(manifest.source).toBe('file:samples/colors.csv');
    expect(manifest.config.source).toBe('samples/config.json');
  });

  it('gives byte-identical colors.csv and excluded.csv for the same input shuffled', async () => {
    const [headerLine, ...lines] = (await readFile('samples/colors.csv', 'utf8')).trimEnd().split('\n');
    // The sample has no quoted newlines, so lines are rows; reverse and interleave to reorder.
    const shuffled = `${[headerLine, ...lines.filter((_, i) => i % 2 === 1).reverse(), ...lines.filter((_, i) => i % 2 === 0)].join('\n')}\n`;
    const shuffledInput = join(built.work, 'shuffled.csv');
    await writeFile(shuffledInput, shuffled);
    const outputs = [];
    for (const input of ['samples/colors.csv', shuffledInput]) {
      const out = join(built.work, `det-${outputs.length}`);
      expect(marketPulse('run', '--input', input, '--config', 'samples/config.json', '--out', out, '--as-of', '2026-11-20').code).toBe(0);
      const dateDir = join(out, 'runs', 'as-of=2026-11-20');
      const { runId } = JSON.parse(await readFile(join(dateDir, 'latest.json'), 'utf8'));
      outputs.push(await Promise.all(['colors.csv', 'excluded.csv'].map((name) => readFile(join(dateDir, `run-id=${runId}`, name)))));
    }
    expect(outputs[1]![0]!.equals(outputs[0]![0]!)).toBe(true);
    expect(outputs[1]![1]!.equals(outputs[0]![1]!)).toBe(true);
  });

  it('publishes nothing on --dry-run', async () => {
    const out = join(built.work, 'dry');
    const { code, stdout } = marketPulse(
      'run',
      '--input',
      'samples/colors.csv',
      '--config',
      'samples/config.json',
      '--out',
      out,
      '--dry-run',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('dry run: nothing was published');
    await expect(readdir(out)).rejects.toThrow();
  });
});

describe('market-pulse failures', () => {
  it('exits 2 with usage help for no command, an unknown command, or a missing option', () => {
    expect(marketPulse().code).toBe(2);
    const unknown = marketPulse('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'market-pulse: unknown command "frobnicate" (commands: run, validate-config, health, extract, backfill, config, upload; see market-pulse --help)\n',
    );
    const missing = marketPulse('run', '--input', 'samples/colors.csv');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('market-pulse: run needs --config, --out (see market-pulse run --help)\n');
    const badOption = marketPulse('run', '--inptu', 'x');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/^market-pulse: Unknown option '--inptu'/);
    const badDate = marketPulse(
      'run',
      '--input',
      'samples/colors.csv',
      '--config',
      'samples/config.json',
      '--out',
      join(built.work, 'x'),
      '--as-of',
      '2026-02-30',
    );
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toBe('market-pulse: as-of date "2026-02-30" is not a calendar date in the form YYYY-MM-DD\n');
  });

  it('exits 2 explaining how to choose the source', () => {
    const cases: [string[], string][] = [
      [['--source', 'postgres', '--stage', 'dev'], '--source takes only "oracle" (got "postgres"); use --input <file> for a file'],
      [
        ['--input', 'samples/colors.csv', '--source', 'oracle', '--stage', 'dev'],
        'give either --input <file> or --source oracle, not both',
      ],
      [['--source', 'oracle'], '--source oracle needs --stage <stage> (the SSM parameters /market-pulse/<stage>/oracle/*)'],
      [['--input', 'samples/colors.csv', '--stage', 'dev'], '--stage goes with --source oracle'],
      [[], 'run needs --input <file> or --source oracle --stage <stage> (see market-pulse run --help)'],
    ];
    for (const [args, reason] of cases) {
      const result = marketPulse('run', ...args, '--config', 'samples/config.json', '--out', join(built.work, 'never'));
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`market-pulse: ${reason}\n`);
    }
  });

  it('exits 2 on a malformed s3:// location', () => {
    const result = marketPulse('run', '--input', 'samples/colors.csv', '--config', 'samples/config.json', '--out', 's3://Bad_Bucket/x');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^market-pulse: --out "s3:\/\/Bad_Bucket\/x"/);
  });

  it('prints help for every command and exits 0', () => {
    for (const args of [
      ['--help'],
      ['run', '--help'],
      ['validate-config', '-h'],
      ['health', '--help'],
      ['extract', '-h'],
      ['backfill', '--help'],
    ]) {
      const { code, stdout } = marketPulse(...args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/Usage: market-pulse/);
    }
  });

  it('exits 4 naming a missing input file, publishing nothing', () => {
    const out = join(built.work, 'missing-input');
    const { code, stderr } = marketPulse('run', '--input', 'no/such.csv', '--config', 'samples/config.json', '--out', out);
    expect(code).toBe(4);
    expect(stderr).toBe('market-pulse: input file not found: no/such.csv\n');
  });

  it('exits 4 when the header lacks required columns', async () => {
    const input = join(built.work, 'no-cusip.csv');
    await writeFile(input, 'MESSAGE_ID,DATE,PX\n1,2026-11-20,99\n');
    const { code, stderr } = marketPulse('run', '--input', input, '--config', 'samples/config.json', '--out', join(built.work, 'nc'));
    expect(code).toBe(4);
    expect(stderr).toBe(`market-pulse: file:${input}: the header lacks the required column CUSIP (found: MESSAGE_ID, DATE, PX)\n`);
  });

  it('exits 3 on a broken config and writes nothing', async () => {
    const config = join(built.work, 'broken.json');
    await writeFile(config, JSON.stringify({ rules: [{ name: 'x', when: { column: 'RANK', op: 'contains', value: '1' } }] }));
    const out = join(built.work, 'broken-out');
    const { code, stderr } = marketPulse('run', '--input', 'samples/colors.csv', '--config', config, '--out', out);
    expect(code).toBe(3);
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(stderr).toMatch(/^market-pulse: invalid config .*broken.json: rules\[0\]\.when\.op: /);
    await expect(readdir(out)).rejects.toThrow();
  });

  it('exits on a broken config with a large CSV input too: the reading threads it started early are stopped', async () => {
    const config = join(built.work, 'broken-large.json');
    await writeFile(config, '{"rules": [');
    // Large enough for the threads to start before the config is read (reader-threads.ts); never read.
    const input = join(built.work, 'large.csv');
    await writeFile(input, '');
    await truncate(input, 9 * 1024 * 1024);
    const started = Date.now();
    const { code, stderr } = marketPulse('run', '--input', input, '--config', config, '--out', join(built.work, 'large-out'));
    expect(code).toBe(3);
    expect(stderr).toMatch(/^market-pulse: invalid config .*broken-large.json/);
    // A thread left running would keep the process alive until the test's spawn timeout (60 s).
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('reads a large CSV file on worker threads and hashes its outputs on another: the manifest matches the stored files', async () => {
    // ~9 MiB: past the size from which the CLI reads on several threads and hashes on another.
    const input = join(built.work, 'large-run.csv');
    await writeFile(input, colorsCsv({ rows: 65_000, invalidRate: 0.01 }).csv);
    const out = join(built.work, 'large-run-out');
    const { code, stderr } = marketPulse('run', '--input', input, '--config', 'samples/config.json', '--out', out, '--as-of', '2026-11-20');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const dateDir = join(out, 'runs', 'as-of=2026-11-20');
    const { runId } = JSON.parse(await readFile(join(dateDir, 'latest.json'), 'utf8'));
    const runDir = join(dateDir, `run-id=${runId}`);
    const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as {
      files: { name: string; bytes: number; sha256: string }[];
    };
    expect(manifest.files.map((file) => file.name)).toContain('report.html');
    for (const file of manifest.files) {
      const bytes = await readFile(join(runDir, file.name));
      expect({ name: file.name, bytes: bytes.length, sha256: sha256(bytes) }).toEqual({
        name: file.name,
        bytes: file.bytes,
        sha256: file.sha256,
      });
    }
  });

  it('validate-config accepts the sample and lists every problem of a bad document', async () => {
    const ok = marketPulse('validate-config', 'samples/config.json');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/samples\/config.json: valid/);
    const config = join(built.work, 'two-problems.json');
    await writeFile(config, JSON.stringify({ rules: [], window: { timeZone: 'Nowhere/Else' }, ranking: { order: [] } }));
    const bad = marketPulse('validate-config', config);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/2 problems/);
    expect(bad.stderr).toContain('ranking.order: ');
    expect(bad.stderr).toContain('window.timeZone: unknown time zone "Nowhere/Else"');
    expect(marketPulse('validate-config', join(built.work, 'absent.json')).stderr).toMatch(/absent.json: file not found/);
  });

  it('reads JSON Lines input and copies nothing it cannot parse', async () => {
    const input = join(built.work, 'colors.jsonl');
    await writeFile(
      input,
      `${[
        '{"MESSAGE_ID": 1234567890123456789, "CUSIP": "abc123xy9", "DATE": "2026-11-20T10:00:00", "PX": 99.125, "RANK": 1}',
        '{"MESSAGE_ID": "1234567890123456790", "CUSIP": "ABC123XY9", "DATE": "2026-11-20T11:00:00", "PX": "-6.0929999999999998E-2", "RANK": 1}',
        'not json',
      ].join('\n')}\n`,
    );
    const config = join(built.work, 'plain.json');
    await writeFile(config, '{"rules": []}');
    const out = join(built.work, 'jsonl-out');
    const { code } = marketPulse('run', '--input', input, '--config', config, '--out', out, '--as-of', '2026-11-20');
    expect(code).toBe(0);
    const dateDir = join(out, 'runs', 'as-of=2026-11-20');
    const { runId } = JSON.parse(await readFile(join(dateDir, 'latest.json'), 'utf8'));
    const colors = await readFile(join(dateDir, `run-id=${runId}`, 'colors.csv'), 'utf8');
    expect(colors).toContain('1234567890123456790,,,ABC123XY9,2026-11-20T11:00:00');
    expect(colors).toContain('1234567890123456789,,,abc123xy9,2026-11-20T10:00:00,,,,99.125');
    const rejected = await readFile(join(dateDir, `run-id=${runId}`, 'rejected.csv'), 'utf8');
    expect(rejected.trim().split('\n')).toHaveLength(2);
    expect(rejected).toMatch(/,3,"?not a JSON object/);
  });
});

describe('the copied sample stays put', () => {
  it('runs from any working directory with relative paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mp-cwd-'));
    await cp('samples', join(dir, 'samples'), { recursive: true });
    const result = spawnSync(
      process.execPath,
      [built.cli, 'run', '--input', 'samples/colors.csv', '--config', 'samples/config.json', '--out', 'out'],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(result.status).toBe(0);
    expect(await readdir(join(dir, 'out', 'runs'))).toHaveLength(1);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('packages loaded at startup', () => {
  /** Runs the CLI with a module hook that records every package it resolves. */
  async function packagesLoadedBy(...args: string[]): Promise<{ code: number | null; packages: Set<string> }> {
    const record = join(built.work, `packages-${Math.random().toString(36).slice(2)}.txt`);
    await writeFile(record, '');
    const hook = pathToFileURL('test/helpers/record-packages.mjs').href;
    const result = spawnSync(process.execPath, ['--import', hook, built.cli, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, RECORD_PACKAGES_TO: record },
    });
    const packages = new Set((await readFile(record, 'utf8')).split('\n').filter(Boolean));
    return { code: result.status, packages };
  }
  const cloudPackage = /^(@aws-sdk\/|@aws-lambda-powertools\/|@smithy\/|oracledb)/;

  it('a run on local files loads neither the AWS SDK, Powertools nor oracledb', async () => {
    const { code, packages } = await packagesLoadedBy(
      'run',
      '--input',
      'samples/colors.csv',
      '--config',
      'samples/config.json',
      '--out',
      join(built.work, 'out-packages'),
      '--as-of',
      '2026-11-20',
    );
    expect(code).toBe(0);
    expect(packages).toContain('zod');
    expect([...packages].filter((name) => cloudPackage.test(name))).toEqual([]);
  });

  it('--version loads no package at all', async () => {
    const { code, packages } = await packagesLoadedBy('--version');
    expect(code).toBe(0);
    expect([...packages]).toEqual([]);
  });

  it('an s3:// --out loads the S3 client (the recording sees packages)', async () => {
    const { code, packages } = await packagesLoadedBy(
      'run',
      '--input',
      'samples/colors.csv',
      '--config',
      'samples/config.json',
      '--out',
      's3://mp-results/market-pulse',
      '--dry-run',
    );
    expect(code).toBe(0);
    expect(packages).toContain('@aws-sdk/client-s3');
  });
});
