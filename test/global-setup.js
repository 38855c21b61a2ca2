// Builds dist/ once before the suites that load the built package (packaging,
// worker threads, child processes), so `npm test` works on a fresh clone.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = function buildOnce() {
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs'), '--emit-on-error'], { stdio: 'inherit' });
};
