/**
 * The fenced code blocks of the documentation: which pages, which blocks, and
 * how the example runner must treat each one (see examples.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Languages whose blocks the runner compiles and runs. */
const RUNNABLE = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);

/** One fenced block of a page. */
export interface Block {
  /** The page, relative to the repository root (`docs/guide.md`). */
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word, lower-cased (`ts`, `js`, …). */
  lang: string;
  /** The info string's other words (`fragment`, `until-signal`). */
  flags: string[];
  /** The block's text, de-indented by the fence's own indentation. */
  code: string;
}

/** The pages whose examples are checked: README.md and every docs/*.md. */
export function docPages(repoRoot: string): string[] {
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** Every fenced block of `page` (``` or ~~~ fences, indented ones included). */
export function blocksOf(repoRoot: string, page: string): Block[] {
  const lines = readFileSync(join(repoRoot, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,}|~{3,})\s*([^`\s]*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open as unknown as [string, string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j]!.trim().startsWith(fence) && lines[j]!.trim().replace(/[`~]/g, '') === '')) {
      const text = lines[j]!;
      body.push(text.startsWith(indent) ? text.slice(indent.length) : text.trimStart());
      j++;
    }
    blocks.push({
      page,
      line: i + 1,
      lang: lang.toLowerCase(),
      flags: rest.trim().split(/\s+/).filter(Boolean),
      code: body.join('\n') + '\n',
    });
    i = j;
  }
  return blocks;
}

/** Whether the runner compiles and runs `block`: a TS/JS block not marked `fragment`. */
export function isRunnable(block: Block): boolean {
  return RUNNABLE.has(block.lang) && !block.flags.includes('fragment');
}

/** Whether `block` is TypeScript (else JavaScript, checked with checkJs). */
export function isTypeScript(block: Block): boolean {
  return block.lang === 'ts' || block.lang === 'typescript';
}

/** Whether `block` is a Jest test file (uses Jest's globals without importing node:test). */
export function isJestSuite(block: Block): boolean {
  return !/from 'node:test'/.test(block.code) && /^(test|it|describe|beforeEach|afterEach|beforeAll)\(/m.test(block.code);
}

/**
 * What the block says it prints: the text after `// → ` on each line, in order.
 * Empty when the block makes no such claim.
 */
export function expectedOutput(block: Block): string[] {
  const out: string[] = [];
  for (const line of block.code.split('\n')) {
    const m = /\/\/ → (.*)$/.exec(line);
    if (m) out.push(m[1]!.trimEnd());
  }
  return out;
}
