/**
 * The core, ctxkit/propagation and ctxkit/worker must run in browsers, Deno and
 * Bun: no `node:` imports and no Node globals outside src/node/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../helpers/run-node.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node' ? [] : sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

test.each(sources(join(repoRoot, 'src')).map((p) => relative(repoRoot, p)))('%s imports nothing Node-only', (file) => {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  expect(text).not.toMatch(/from\s+['"]node:/);
  expect(text).not.toMatch(/require\(\s*['"](node:|fs|path|events|http|worker_threads|async_hooks)/);
  expect(text).not.toMatch(/\bBuffer\.|\bprocess\.(on|env|nextTick|hrtime)\b/);
});
