/**
 * layers/oracle-instant-client/build.sh against a stand-in Instant Client zip (tiny files with an
 * arm64 or x86-64 ELF header): which files land in the layer, symlinks kept, and the refusals.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../lib/lambda-entries.js';

const SCRIPT = join(REPO_ROOT, 'layers/oracle-instant-client/build.sh');
const hasTools = ['zip', 'unzip', 'zipinfo'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);

function elf(path: string, machine: number): void {
  const bytes = Buffer.alloc(64);
  bytes.write('\x7fELF', 0, 'latin1');
  bytes[18] = machine;
  writeFileSync(path, bytes);
}
const AARCH64 = 0xb7;
const X86_64 = 0x3e;

function instantClientZip(dir: string, name: string, machine: number, files: string[]): string {
  const ic = join(dir, name, 'instantclient_23_6');
  mkdirSync(ic, { recursive: true });
  for (const file of files) elf(join(ic, file), machine);
  if (files.includes('libclntsh.so.23.1')) symlinkSync('libclntsh.so.23.1', join(ic, 'libclntsh.so'));
  writeFileSync(join(ic, 'BASIC_LITE_LICENSE'), 'licence\n');
  execFileSync('zip', ['-q', '-r', '-y', `${name}.zip`, 'instantclient_23_6'], { cwd: join(dir, name) });
  return join(dir, name, `${name}.zip`);
}

function build(zip: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', [SCRIPT, zip], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.skipIf(!hasTools)('layers/oracle-instant-client/build.sh', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'market-pulse-layer-'));
    elf(join(dir, 'libaio.so.1.0.1'), AARCH64);
    symlinkSync(join(dir, 'libaio.so.1.0.1'), join(dir, 'libaio.so.1'));
    elf(join(dir, 'libnsl.so.1'), AARCH64);
    env = { LIBAIO: join(dir, 'libaio.so.1'), LIBNSL: join(dir, 'libnsl.so.1'), OUT_DIR: join(dir, 'out') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts the Instant Client libraries plus libaio.so.1 and libnsl.so.1 under lib/, keeping symlinks', () => {
    const zip = instantClientZip(dir, 'basiclite', AARCH64, [
      'libclntsh.so.23.1',
      'libclntshcore.so.23.1',
      'libnnz.so',
      'libociicus.so',
      'libocijdbc23.so',
    ]);
    const result = build(zip, env);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const layer = join(dir, 'out', 'oracle-instant-client-layer.zip');
    expect(result.stdout).toContain(`built ${layer}`);
    const listing = execFileSync('zipinfo', [layer], { encoding: 'utf8' });
    const entries = listing.split('\n').filter((line) => / lib\//.test(line));
    expect(entries.map((line) => line.slice(line.lastIndexOf(' ') + 1)).sort()).toEqual([
      'lib/',
      'lib/libaio.so.1',
      'lib/libclntsh.so',
      'lib/libclntsh.so.23.1',
      'lib/libclntshcore.so.23.1',
      'lib/libnnz.so',
      'lib/libnsl.so.1',
      'lib/libociicus.so',
    ]);
    // libclntsh.so stays a symlink; libaio.so.1 (a symlink on the build host) becomes the file itself.
    expect(entries.find((line) => line.endsWith('lib/libclntsh.so'))).toMatch(/^l/);
    expect(entries.find((line) => line.endsWith('lib/libaio.so.1'))).toMatch(/^-/);
  });

  it('refuses an x86-64 Instant Client', () => {
    const zip = instantClientZip(dir, 'x86', X86_64, ['libclntsh.so.23.1', 'libclntshcore.so.23.1', 'libnnz.so', 'libociicus.so']);
    const result = build(zip, env);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('libclntsh.so.23.1 is not an arm64 (aarch64) library');
  });

  it('refuses a zip without the OCI data library (neither Basic nor Basic Light)', () => {
    const zip = instantClientZip(dir, 'sdk', AARCH64, ['libclntsh.so.23.1', 'libclntshcore.so.23.1', 'libnnz.so']);
    expect(build(zip, env).stderr).toContain('neither libociicus.so (Basic Light) nor libociei.so (Basic)');
  });

  it('says where to get libaio when the host has none', () => {
    const zip = instantClientZip(dir, 'noaio', AARCH64, ['libclntsh.so.23.1', 'libclntshcore.so.23.1', 'libnnz.so', 'libociei.so']);
    const result = build(zip, { ...env, LIBAIO: join(dir, 'missing', 'libaio.so.1') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("dnf install -y libaio libnsl', or set LIBAIO=/path/to/libaio.so.1");
  });

  it('explains its usage without arguments', () => {
    const result = spawnSync('bash', [SCRIPT], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('layers/oracle-instant-client/build.sh <instantclient-basiclite-linux.arm64-<version>.zip>');
  });
});
