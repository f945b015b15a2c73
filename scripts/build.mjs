// `npm run build`: bundle the CLI. Runs the TypeScript build script through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { buildCli } = await import('./build-cli.ts');
const bundle = await buildCli();
console.log(`built ${bundle}`);
