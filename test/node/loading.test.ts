/**
 * What loading ctxkit/node costs, in a fresh process against the built
 * package: Express and Fastify are never loaded, no AsyncLocalStorage exists
 * before the first implicit.run, and `import` and `require` share one copy.
 */
import { runNodeJson } from '../helpers/run-node.js';

test('require("ctxkit/node") loads neither Express nor Fastify, and creates its AsyncLocalStorage on the first run only', () => {
  const r = runNodeJson<{ frameworks: string[]; afterLoad: number; afterCurrent: number; afterRuns: number; current: boolean }>(`
    const hooks = require('node:async_hooks');
    const Original = hooks.AsyncLocalStorage;
    let made = 0;
    hooks.AsyncLocalStorage = class extends Original { constructor() { super(); made++; } };
    const node = require('ctxkit/node');
    const afterLoad = made;
    node.implicit.current();
    const afterCurrent = made;
    const ctx = ctxkit.background();
    const current = node.implicit.run(ctx, () => node.implicit.run(ctx, () => node.implicit.current() === ctx));
    const frameworks = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](express|fastify)[\\\\/]/.test(k));
    console.log(JSON.stringify({ frameworks, afterLoad, afterCurrent, afterRuns: made, current }));
  `);
  expect(r).toEqual({ frameworks: [], afterLoad: 0, afterCurrent: 0, afterRuns: 1, current: true });
});

test('ctxkit/node/fastify is its own entry, loadable with import and require alike', () => {
  const r = runNodeJson<{ same: boolean; kind: string }>(`
    const cjs = require('ctxkit/node/fastify');
    import('ctxkit/node/fastify').then((esm) => {
      console.log(JSON.stringify({ same: esm.fastifyAdapter === cjs.fastifyAdapter, kind: typeof cjs.fastifyAdapter }));
    });
  `);
  expect(r).toEqual({ same: true, kind: 'function' });
});

test('import("ctxkit/node") gives the same objects as require, with every export', () => {
  const r = runNodeJson<{ names: string[]; same: boolean }>(`
    const cjs = require('ctxkit/node');
    import('ctxkit/node').then((esm) => {
      const names = Object.keys(esm).sort();
      const same = names.every((n) => esm[n] === cjs[n]) && names.length === Object.keys(cjs).length;
      console.log(JSON.stringify({ names, same }));
    });
  `);
  expect(r.same).toBe(true);
  expect(r.names).toEqual(
    [
      'ClientDisconnected',
      'ClientDisconnectedError',
      'ExitError',
      'ProcessSignalError',
      'ResponseFinished',
      'ResponseFinishedError',
      'ServerShutdown',
      'ServerShutdownError',
      'ServiceExit',
      'answerContextError',
      'clientGone',
      'contextOf',
      'errorStatus',
      'execFile',
      'expressAdapter',
      'findContext',
      'fromRequest',
      'implicit',
      'runService',
      'shutdown',
      'spawn',
      'withProcessSignals',
    ].sort(),
  );
});
