/**
 * ctxkit/web against real Fetch-API servers on loopback (issue 15): Deno.serve,
 * Bun.serve, workerd, and on Node @hono/node-server with a plain handler and
 * with Hono (on every Node line installed). web-servers.mjs drives each server
 * process; web-app.mjs is the app. What each runtime can tell is a tested fact
 * here: workerd never reports a client gone before the response starts.
 */
import { mustHaveAll, runScript, runtimes } from './helpers';

/** Each server: the runtime that runs it, and the kind web-servers.mjs starts. */
const SERVERS: Array<{ name: string; runtime: string; kind: string }> = [
  { name: 'Deno.serve', runtime: 'deno', kind: 'deno' },
  { name: 'Bun.serve', runtime: 'bun', kind: 'bun' },
  { name: 'workerd', runtime: 'workerd', kind: 'workerd' },
  { name: 'Node 20, @hono/node-server (withRequestContext)', runtime: 'node20', kind: 'node-fetch' },
  ...['node20', 'node22', 'node24', 'node26'].map((runtime) => ({ name: `${runtime.replace('node', 'Node ')}, Hono (contextMiddleware)`, runtime, kind: 'node-hono' })),
];

const FINISHED = 'ResponseFinishedError: response finished';
const GONE = 'ClientDisconnectedError: client disconnected';
const DEADLINE = 'DeadlineExceededError: context deadline exceeded';
const latencies: string[] = [];

afterAll(() => {
  if (latencies.length > 0) console.log(`client gone → request context cancelled (ms): ${latencies.join('; ')}`);
});

describe.each(SERVERS)('$name', ({ name, runtime, kind }) => {
  const executable = runtimes.present[runtime];
  (executable !== undefined || mustHaveAll ? test : test.skip)(
    'ends each request context with the right cause',
    async () => {
      expect(runtimes.present).toHaveProperty(runtime);
      const { code, output } = await runScript('web-servers.mjs', [kind, executable], 240_000);
      expect({ code, output }).toEqual({ code: 0, output: expect.stringMatching(/^\{/) });
      const r = JSON.parse(output);
      // Never a false "client gone" after a successful answer (Deno aborts the request's signal then).
      expect(r.ok).toEqual({ status: 200, body: 'ok', causes: [FINISHED] });
      expect(r.deadline).toEqual({ status: 504, body: 'Gateway Timeout', causes: [DEADLINE] });
      expect(r.stream).toEqual({ status: 200, chunks: 5, causes: [FINISHED] });
      expect(r.streamDisconnect.causes).toEqual([GONE]);
      if (kind === 'workerd') {
        // workerd does not abort a request's signal when its client goes away
        // (not even with enable_request_signal): only a streamed body's cancel tells.
        expect(r.disconnect.causes).toEqual([]);
      } else {
        expect(r.disconnect.causes).toEqual([GONE]);
      }
      latencies.push(`${name}: ${r.disconnect.latencyMs ?? 'never'} waiting, ${r.streamDisconnect.latencyMs} streaming`);
    },
    300_000,
  );
});
