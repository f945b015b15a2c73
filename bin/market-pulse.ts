/** Entry point of the `market-pulse` CLI (bundled to dist/market-pulse.mjs by `npm run build`). */
import { main } from './cli/main.js';
import { processIo } from './cli/io.js';

process.exitCode = await main(process.argv.slice(2), processIo);
