/**
 * `node --import ./record-packages.mjs …` with RECORD_PACKAGES_TO=<file>: appends every bare
 * specifier the process resolves (a package, not a relative path or a node: builtin) to <file>,
 * one per line. Lets a test see which packages a CLI command actually loads.
 */
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
  if (!/^(\.|\/|node:|file:|data:)/.test(specifier)) appendFileSync(file, `${specifier}\n`);
  return nextResolve(specifier, context);
}

// Module hooks run on their own thread in a fresh copy of this module; register only from the main one.
if (isMainThread && process.env.RECORD_PACKAGES_TO) register(import.meta.url, { data: { file: process.env.RECORD_PACKAGES_TO } });
