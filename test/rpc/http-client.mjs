// A client process for the got and ky tests (both are ES modules only, which
// Jest's module system cannot load): requests to http-server.cjs through
// ctxkit/got or ctxkit/ky, driven by JSON lines on stdin, answered on stdout.
//   argv: {"library":"got"|"ky","base":"http://127.0.0.1:…"}
//   {"op":"echo","id":…,"timeoutMs":…,"marginMs":…,"tenant":…}  → {"id":…,"body":{remainingMs,tenant}} or {"id":…,"error":…}
//   {"op":"hang","id":…,"timeoutMs"?:…,"headers"?:bool}           → {"id":…,"error":…} once it settles
//   {"op":"cancel","id":…}                                         cancels a hang's context with its own reason
//   {"op":"done","id":…}                                           a context already done → {"id":…,"error":…}
//   {"op":"retry","id":…}                                          /flaky, retried once 200 ms after its 503 → {"id":…,"body":…}
// An error is described as {name, isCause, isDeadlineExceeded, libraryError}: isCause
// when it is exactly cause(ctx) of the request's context.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import got from 'got';
import ky from 'ky';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cjs');
const ctxkit = require(join(root, 'index.js'));
const { carry, valuesHeader } = require(join(root, 'propagation', 'index.js'));
const { gotRequest } = require(join(root, 'got', 'index.js'));
const { kyRequest } = require(join(root, 'ky', 'index.js'));

const { library, base } = JSON.parse(process.argv[2]);
const tenantKey = ctxkit.createKey('tenant');
const values = valuesHeader([carry('tenant', tenantKey)]);
const say = (line) => process.stdout.write(JSON.stringify(line) + '\n');

/** Each library's options for one retry, 200 ms after a 503. */
const retryOnce =
  library === 'got'
    ? { retry: { limit: 1, statusCodes: [503], calculateDelay: ({ computedValue }) => (computedValue > 0 ? 200 : 0) } }
    : { retry: { limit: 1, statusCodes: [503], delay: () => 200, jitter: false } };

/** GET url under ctx with the library, resolving with the JSON body; retried as `retry` says (default: never). */
const get = (ctx, url, options, retry = library === 'got' ? { retry: { limit: 0 } } : { retry: 0 }) =>
  library === 'got'
    ? gotRequest(ctx, (o) => got(url, o).json(), { headers: { 'Ctxkit-Timeout-Ms': '99999' }, ...retry }, options)
    : kyRequest(ctx, (o) => ky(url, o).json(), { headers: { 'Ctxkit-Timeout-Ms': '99999' }, ...retry }, options);

const describe = (ctx, error) => ({
  name: error?.name,
  isCause: error === ctxkit.cause(ctx),
  isDeadlineExceeded: error === ctxkit.DeadlineExceeded,
  message: String(error?.message ?? error),
});

const cancels = new Map();
readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const cmd = JSON.parse(line);
  const url = `${base}/${cmd.op === 'hang' ? 'hang' : cmd.op === 'retry' ? 'flaky' : 'echo'}?id=${cmd.id}`;
  if (cmd.op === 'echo') {
    const [ctx, cancel] = ctxkit.withTimeout(ctxkit.withValue(ctxkit.background(), tenantKey, cmd.tenant), cmd.timeoutMs);
    try {
      say({ id: cmd.id, body: await get(ctx, url, { marginMs: cmd.marginMs, values }) });
    } catch (error) {
      say({ id: cmd.id, error: describe(ctx, error) });
    } finally {
      cancel();
    }
  } else if (cmd.op === 'hang') {
    const [parent, cancel] = ctxkit.withCancelCause(ctxkit.background());
    const [ctx, stop] = cmd.timeoutMs === undefined ? [parent, () => undefined] : ctxkit.withTimeout(parent, cmd.timeoutMs);
    cancels.set(cmd.id, () => cancel(new Error(`caller gave up on ${cmd.id}`)));
    try {
      const body = await get(ctx, url, cmd.headers === false ? { deadlineCodecs: [] } : {});
      say({ id: cmd.id, body });
    } catch (error) {
      say({ id: cmd.id, error: describe(ctx, error) });
    } finally {
      stop();
      cancels.delete(cmd.id);
    }
  } else if (cmd.op === 'retry') {
    const [ctx, cancel] = ctxkit.withTimeout(ctxkit.background(), 10_000);
    try {
      say({ id: cmd.id, body: await get(ctx, url, {}, retryOnce) });
    } catch (error) {
      say({ id: cmd.id, error: describe(ctx, error) });
    } finally {
      cancel();
    }
  } else if (cmd.op === 'cancel') {
    cancels.get(cmd.id)?.();
  } else if (cmd.op === 'done') {
    const [ctx, cancel] = ctxkit.withCancelCause(ctxkit.background());
    cancel(new Error('already gone'));
    try {
      await get(ctx, url, {});
      say({ id: cmd.id, body: 'sent' });
    } catch (error) {
      say({ id: cmd.id, error: describe(ctx, error) });
    }
  }
});
say({ event: 'ready' });
