/**
 * `npm run samples`: writes the committed demo input, samples/colors.csv — 2,000 synthetic colors
 * as-of 2026-11-20 with ~0.5% invalid rows, from a fixed seed, so the file is the same on every run.
 */
import { fileURLToPath } from 'node:url';
import { type ColorsOptions, writeColorsFile } from './colors-generator.js';

export const SAMPLE_OPTIONS: ColorsOptions = { rows: 2000, seed: 451, asOf: '2026-11-20', invalidRate: 0.005 };

const target = fileURLToPath(new URL('../samples/colors.csv', import.meta.url));
const stats = await writeColorsFile(target, SAMPLE_OPTIONS);
console.log(`wrote ${target}`);
console.log(JSON.stringify(stats, null, 2));
