// Run by handler-footprint.ts in a fresh process: `node handler-init.mjs <bundle.mjs>`.
// Imports the bundled Lambda handler once and prints, as JSON, how long the import took (module
// init: what a cold start pays before the first event) and the process's age at that point.
// Any attempt to open a socket or resolve a name during the import is refused and counted: a
// handler must not reach the network before it is invoked.
import dns from 'node:dns';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

let networkAttempts = 0;
const refuse = (what) => {
  networkAttempts++;
  throw new Error(`bench: ${what} during handler import`);
};
net.Socket.prototype.connect = function connect() {
  refuse('socket connect');
};
dns.lookup = () => refuse('DNS lookup');
dns.promises.lookup = async () => refuse('DNS lookup');

const started = performance.now();
const module = await import(pathToFileURL(process.argv[2]).href);
const importMs = performance.now() - started;
console.log(
  JSON.stringify({ importMs, processMs: process.uptime() * 1000, networkAttempts, exportsHandler: typeof module.handler === 'function' }),
);
