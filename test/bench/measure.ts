/**
 * Measuring one engine run the same way for every engine: a child `node` process, wall time from
 * spawn to exit, and the process's own peak RSS and CPU time, written at exit by the preloaded
 * report-rss.mjs (`node --import <its URL> …`).
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, ROOT } from './generate-colors.js';

const REPORT_RSS = join(ROOT, 'test/bench/report-rss.mjs');

export interface ProcessMeasurement {
  wallSeconds: number;
  peakRssMiB: number | null;
  userCpuSeconds: number | null;
  systemCpuSeconds: number | null;
}

interface RssReport {
  maxRssKiB: number;
  userCpuMicros: number;
  systemCpuMicros: number;
}

/** Runs `node <args>` and measures it; throws with the stderr tail if it fails. */
export async function measureNode(label: string, args: readonly string[]): Promise<ProcessMeasurement> {
  const rssFile = join(BENCH_DIR, `rss-${process.pid}-${label}.json`);
  await rm(rssFile, { force: true });
  const fullArgs = ['--import', pathToFileURL(REPORT_RSS).href, ...args];
  const started = performance.now();
  const { code, signal, stderrTail } = await run(label, fullArgs, { ...process.env, BENCH_RSS_FILE: rssFile });
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    throw new Error(`${label} ${how}:\n  node ${fullArgs.join(' ')}\n${stderrTail}`);
  }
  let rss: RssReport | undefined;
  try {
    rss = JSON.parse(await readFile(rssFile, 'utf8')) as RssReport;
  } catch {
    rss = undefined;
  }
  await rm(rssFile, { force: true });
  return {
    wallSeconds,
    peakRssMiB: rss ? rss.maxRssKiB / 1024 : null,
    userCpuSeconds: rss ? rss.userCpuMicros / 1e6 : null,
    systemCpuSeconds: rss ? rss.systemCpuMicros / 1e6 : null,
  };
}

/** Runs a child, passing its stderr (progress lines) through and keeping the tail for errors. */
function run(
  label: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      process.stderr.write(text.replace(/^(?=.)/gm, `    ${label}: `));
      tail = (tail + text).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stderrTail: tail }));
  });
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  totalMemoryGiB: string;
  node: string;
  platform: string;
  /** 1-minute load average when the benchmark started: the machine is shared. */
  loadAverage: number;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
    totalMemoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: os.loadavg()[0] ?? 0,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(2)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
