// Runs the core's contract (contract.mjs) against the ES-module build in the
// runtime that runs this file: `node|deno run --allow-read|bun cli.mjs`.
// Prints the report; the exit code is 1 if any test failed.
import * as ctxkit from '../../dist/esm/index.js';
import * as propagation from '../../dist/esm/propagation/index.js';
import * as web from '../../dist/esm/web/index.js';
import { runContract } from './contract.mjs';

const result = await runContract(ctxkit, propagation, web);
console.log(result.report);
if (result.failed !== 0) {
  if (typeof Deno !== 'undefined') Deno.exit(1);
  globalThis.process.exitCode = 1;
}
