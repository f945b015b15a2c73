/**
 * What an interrupted publish to a folder leaves behind: a `.staging-*` folder (possibly with a
 * large partial colors.csv) and `.latest.json.*` temporary files. Their names carry the id of the
 * process that made them, so the next run can tell an abandoned one from one still being written
 * by a live process, and removes only the abandoned (docs/publishing.md).
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from '../log.js';

const STAGING = '.staging-';
const POINTER_TEMP = '.latest.json.';

/** `<prefix><runId>-<pid>-<random>`: unique, and traceable to the process that owns it. */
function ownedName(prefix: string, runId: string): string {
  return `${prefix}${runId}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

export const stagingName = (runId: string) => ownedName(STAGING, runId);
export const pointerTempName = (runId: string) => ownedName(POINTER_TEMP, runId);

/** The owning process of a leftover, or undefined for a name without one (older versions made those). */
function ownerOf(name: string): number | undefined {
  const match = /-(\d+)-[0-9a-f]{12}$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the staging folders and pointer temporary files in `dateDir` whose process is gone.
 * Never fails the run: a leftover that cannot be removed is reported and left for the next one.
 */
export async function sweepLeftovers(dateDir: string, log: Log): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dateDir);
  } catch (error) {
    log.warn('could not list the as-of folder for leftovers of interrupted runs', { dateDir, error: String(error) });
    return;
  }
  for (const name of names) {
    if (!name.startsWith(STAGING) && !name.startsWith(POINTER_TEMP)) continue;
    const owner = ownerOf(name);
    if (owner !== undefined && isAlive(owner)) continue;
    const path = join(dateDir, name);
    try {
      await rm(path, { recursive: true, force: true });
      log.warn(`removed ${path}, left by an interrupted run`);
    } catch (error) {
      log.warn(`could not remove ${path}, left by an interrupted run`, { error: String(error) });
    }
  }
}
