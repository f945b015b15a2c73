import { existsSync } from 'node:fs';

/**
 * The script of a worker thread that the CLI's build makes an entry of its own (scripts/build-cli.ts):
 * `<name>.mjs` beside the bundle (the module asking, `caller`, may sit in dist/chunks/), or, run
 * from source (tests), `<name>.ts` beside `caller`, loaded after registering tsx in the worker.
 */
export function workerScript(name: string, caller: string): { url: string | URL; evaluated: boolean } {
  for (const candidate of [`./${name}.mjs`, `../${name}.mjs`]) {
    const url = new URL(candidate, caller);
    if (existsSync(url)) return { url, evaluated: false };
  }
  const source = new URL(`./${name}.ts`, caller);
  if (!existsSync(source)) throw new Error(`${name}.mjs is missing beside ${caller}: rebuild the CLI (npm run build)`);
  const load = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`;
  return { url: load, evaluated: true };
}
