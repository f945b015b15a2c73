// Imports a bundled Lambda's index.mjs and invokes its handler once, as the Lambda runtime would:
//   node invoke-bundle.mjs <index.mjs> <event JSON> <milliseconds the invocation has>
// The handler's own log lines go to stdout as it writes them; the outcome follows on a last line,
// `OUTCOME {"result": …}` or `OUTCOME {"error": {name, code, message}}`.
import { pathToFileURL } from 'node:url';

const [bundle, event, budgetMs] = process.argv.slice(2);
const deadline = Date.now() + Number(budgetMs);
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'market-pulse-test';
const context = {
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:eu-central-1:111111111111:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: '2026/11/21/[$LATEST]bundle',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => deadline - Date.now(),
};

const { handler } = await import(pathToFileURL(bundle).href);
let outcome;
try {
  outcome = { result: await handler(JSON.parse(event), context) };
} catch (error) {
  outcome = { error: { name: error?.name, code: error?.code, message: error?.message } };
}
process.stdout.write(`OUTCOME ${JSON.stringify(outcome)}\n`);
