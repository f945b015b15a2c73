/**
 * Filesystem errors on demand, for the folder publish tests: a wrapper around the real
 * `node:fs/promises` that records every rename, fsync and write under a watched folder and fails
 * (or delays) the ones a rule picks, with the errno Node itself would report. A test file installs
 * it with
 *
 *   vi.mock('node:fs/promises', async (original) => (await import('../../helpers/fs-faults.js')).withFaults(await original()));
 *
 * and steers it through {@link fsFaults}. This module must not import node:fs/promises itself.
 */
export type FsOp = 'rename' | 'fsync' | 'write';

export interface FsCall {
  /** 1-based among calls of the same op since the last reset. */
  readonly index: number;
  readonly op: FsOp;
  /** The file written or synced, or the rename's source. */
  readonly path: string;
  /** The rename's target. */
  readonly to?: string;
}

/** An error Node would report, a delay, or a hold until a promise settles. */
export type FsFault = 'ENOSPC' | 'EIO' | { readonly delayMs: number } | { readonly until: Promise<unknown> };

export interface FsFaultRule {
  readonly when: (call: FsCall) => boolean;
  readonly fault: FsFault;
}

const MESSAGES = { ENOSPC: 'no space left on device', EIO: 'i/o error' } as const;

class FsFaults {
  /** Only paths under this folder are recorded and faulted; '' watches nothing. */
  root = '';
  readonly calls: FsCall[] = [];
  private rules: FsFaultRule[] = [];

  inject(...rules: FsFaultRule[]): void {
    this.rules = rules;
  }

  reset(root = this.root): void {
    this.root = root;
    this.rules = [];
    this.calls.length = 0;
  }

  /** Records the call and applies the first matching rule: a delay, or the error Node would throw. */
  async apply(op: FsOp, path: string, to?: string): Promise<void> {
    if (this.root === '' || !String(path).startsWith(this.root)) return;
    const index = this.calls.filter((c) => c.op === op).length + 1;
    const call: FsCall = { index, op, path: String(path), ...(to === undefined ? {} : { to: String(to) }) };
    this.calls.push(call);
    const fault = this.rules.find((rule) => rule.when(call))?.fault;
    if (fault === undefined) return;
    if (typeof fault === 'object') {
      if ('until' in fault) return void (await fault.until);
      return void (await new Promise((resolve) => setTimeout(resolve, fault.delayMs)));
    }
    const where = to === undefined ? `'${path}'` : `'${path}' -> '${to}'`;
    throw Object.assign(new Error(`${fault}: ${MESSAGES[fault]}, ${op} ${where}`), { code: fault, syscall: op, path });
  }
}

export const fsFaults = new FsFaults();

type FsPromises = typeof import('node:fs/promises');

/** `node:fs/promises` with rename, FileHandle.sync and FileHandle.write going through {@link fsFaults}. */
export function withFaults(real: FsPromises): FsPromises {
  const open: FsPromises['open'] = async (path, ...rest) => {
    const handle = await real.open(path, ...rest);
    return new Proxy(handle, {
      get(target, property) {
        if (property === 'sync')
          return async () => {
            await fsFaults.apply('fsync', String(path));
            return target.sync();
          };
        if (property === 'write') {
          const write = target.write as (...a: unknown[]) => unknown;
          return async (...args: unknown[]) => {
            await fsFaults.apply('write', String(path));
            return write.apply(target, args);
          };
        }
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  const rename: FsPromises['rename'] = async (from, to) => {
    await fsFaults.apply('rename', String(from), String(to));
    return real.rename(from, to);
  };
  return { ...real, open, rename };
}
