import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const demo = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(demo, '..', '..', 'README.md'), 'utf8');
// Inside the demo, so the snippets' imports resolve to the workspace packages.
const dir = join(demo, '.readme-snippets');

/** The first `ts` block after a layer's heading, and the words between them. */
function snippet(layer: string): { intro: string; code: string } {
  const found = new RegExp(
    `\\*\\*\\[\`@elara/${layer}\`\\][^]*?\\n\`\`\`ts\\n([^]*?)\`\`\`\\n`,
    'u',
  ).exec(readme);
  if (found === null) throw new Error(`no ${layer} snippet in README.md`);
  return { intro: found[0].slice(0, found[0].indexOf('```ts')), code: found[1] as string };
}

/** Runs one snippet as a program of its own; it must exit 0 by itself within the limit. */
async function runSnippet(layer: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${layer}.ts`);
  writeFileSync(file, snippet(layer).code);
  const { stdout } = await run(
    process.execPath,
    ['--conditions=@elara/source', '--import', 'tsx', file],
    { cwd: demo, timeout: 30_000, killSignal: 'SIGKILL' },
  );
  return stdout;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the root README's snippets", () => {
  it('core runs and prints the named error and a transmission', async () => {
    const out = await runSnippet('core');
    expect(out).toMatch(/^truncated input, named error\n\[.*\]\n$/);
  });

  it('crypto runs: the signature verifies and the sealed message opens', async () => {
    expect(await runSnippet('crypto')).toBe('true\nsigned by alice\n');
  });

  it('time runs and prints the horizons', async () => {
    expect(await runSnippet('time')).toMatch(/hpUs: \d+/);
  });

  it('net runs: a datagram to itself over UDP, then every transport closed', async () => {
    expect(await runSnippet('net')).toMatch(/^5 bytes from 127\.0\.0\.1:\d+\n$/);
  });

  it('runtime runs: Bob hears Alice, then both nodes stop and the program ends', async () => {
    expect(await runSnippet('runtime')).toBe("[ 'hello' ]\n");
  });

  it('the state and streams snippets say they are excerpts', () => {
    for (const layer of ['state', 'streams'])
      expect(snippet(layer).intro, layer).toMatch(/An excerpt/);
  });
});
