/** Entry point of the `market-pulse` CLI (bundled to dist/market-pulse.mjs by `npm run build`). */

import { processIo } from './cli/io.js';
import { main } from './cli/main.js';

// On Node 20 the AWS SDK prints a 9-line notice on every command that its releases after January
// 2027 need Node 22. This release supports Node 20 with SDK versions pinned in package-lock.json,
// and the README says when that ends; the SDK's own switch (aws/aws-sdk-js-v3#7983) silences only
// that notice, every other warning still prints. Set it to false to see the notice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await main(process.argv.slice(2), processIo);
