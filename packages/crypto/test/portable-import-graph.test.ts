import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/portable/index.ts', import.meta.url));
const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

async function bundle(entryPoint: string, platform: 'browser' | 'node') {
  return build({
    entryPoints: [entryPoint],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform,
    conditions: ['@elara/source'],
    logLevel: 'silent',
  });
}

describe('@elara/crypto/portable', () => {
  it('bundles for the browser with nothing from node:* in its import graph', async () => {
    const result = await bundle(entry, 'browser');
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    // Every module the bundle pulled in, and every import any of them makes.
    const imported = Object.values(result.metafile.inputs).flatMap((i) =>
      i.imports.map((x) => x.path),
    );
    expect(inputs.some((p) => p.includes('packages/crypto/src/native/'))).toBe(false);
    expect(inputs.some((p) => p.includes('tweetnacl'))).toBe(true);
    expect(inputs.some((p) => p.includes('@noble'))).toBe(true);
    // tweetnacl's fallback `require('crypto')` is cut by its package.json `browser` field;
    // esbuild records it as disabled. Nothing else may be.
    const paths = [...inputs, ...imported];
    expect([...new Set(paths.filter((p) => p.startsWith('(disabled):')))]).toEqual([
      '(disabled):crypto',
    ]);
    for (const path of paths.filter((p) => !p.startsWith('(disabled):'))) {
      expect(nodeBuiltins.has(path), `${path} is a Node built-in`).toBe(false);
    }
  });

  it('the check would notice: the main entry does pull in node:crypto', async () => {
    const main = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const result = await bundle(main, 'node');
    const imported = Object.values(result.metafile.inputs).flatMap((i) =>
      i.imports.map((x) => x.path),
    );
    expect(imported).toContain('node:crypto');
  });
});
