/**
 * ctxkit/connect (the Connect client interceptor, for connect-web too) and
 * ctxkit/ky load nothing Node-only in a browser: the ES-module build's whole
 * import graph, followed from each entry, names no `node:` module, no Node
 * built-in and no third-party package (the libraries are the user's: ctxkit
 * only imports their types). ctxkit/node's implicit context reaches the
 * Connect client through `options.current` instead.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from '../helpers/run-node.js';

/** Every specifier imported or re-exported by the module graph from `entry`, relative ones followed. */
function graphImports(entry: string): { files: string[]; bare: string[] } {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  }
  return { files: [...seen], bare: [...bare] };
}

test.each(['connect', 'ky'])('ctxkit/%s: no Node built-in and no package in its ES-module graph', (subpath) => {
  const { files, bare } = graphImports(join(repoRoot, 'dist', 'esm', subpath, 'index.js'));
  // The graph reaches the core and ctxkit/web (the request causes), not ctxkit/node.
  expect(files.some((f) => f.endsWith(join('web', 'causes.js'))) || subpath === 'ky').toBe(true);
  expect(files.filter((f) => f.includes(`${join('dist', 'esm', 'node')}`))).toEqual([]);
  expect(bare.filter((s) => s.startsWith('node:') || builtinModules.includes(s))).toEqual([]);
  expect(bare).toEqual([]);
});
