import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { exitQuietlyOnClosedPipe } from '../src/closed-pipe.ts';
import { demoMain, type DemoIo } from '../src/demo-cli.ts';
import { interruptOnSigint } from '../src/demo-interrupt.ts';

function sinks(isTTY: boolean): { io: DemoIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { out: { write: (s: string) => (out += s), isTTY }, err: { write: (s) => (err += s) } },
    out: () => out,
    err: () => err,
  };
}

describe('the demo command', () => {
  it('a bad argument exits 2 naming the flag, with the usage, on stderr', async () => {
    const s = sinks(false);
    expect(await demoMain(['--nodes', 'many'], s.io)).toBe(2);
    expect(s.err()).toMatch(/^DemoArgsError: --nodes: "many" is not a number/);
    expect(s.err()).toContain('usage: npm run demo');
    expect(s.out()).toBe('');
  });

  it('--help exits 0 with the usage on stdout and runs nothing', async () => {
    const s = sinks(false);
    expect(await demoMain(['--help'], s.io)).toBe(0);
    expect(s.out()).toMatch(/^usage: npm run demo -- \[flags\]/);
    expect(s.out()).not.toContain('converged');
    expect(s.err()).toBe('');
  });

  it('a simulated run prints plain progress without a terminal, then the summary; exit 0', async () => {
    const s = sinks(false);
    expect(
      await demoMain(['--sim', '--duration', '2', '--seed', '3'], s.io, { paced: false }),
    ).toBe(0);
    const lines = s.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Elara demo: \d nodes form one encrypted session on SimNetwork/);
    expect(lines.filter((l) => /^\[\s+\d\.\d s chatting\]/.test(l)).length).toBeGreaterThanOrEqual(
      2,
    );
    expect(lines.at(-1)).toMatch(/^converged: (\d)\/\1 nodes, \d+ messages, identical order/);
    expect(s.out()).not.toContain('\x1b');
    expect(s.out()).not.toContain('join can fail');
    expect(s.err()).toBe('');
  });

  it('on a terminal the same run redraws a table', async () => {
    const s = sinks(true);
    expect(
      await demoMain(['--sim', '--duration', '1', '--seed', '3'], s.io, { paced: false }),
    ).toBe(0);
    expect(s.out()).toContain('\x1b[2K');
    expect(s.out()).toMatch(/node\s+address\s+peers\s+here\s+msgs\s+τs offset/);
  });

  it('Ctrl-C during the chat: the verdict so far, marked interrupted, exit 130', async () => {
    const controller = new AbortController();
    let out = '';
    const io: DemoIo = {
      out: {
        write: (s: string) => {
          out += s;
          // Interrupted one second into a thirty-second chat.
          if (s.startsWith('[  1.0 s chatting]')) controller.abort();
        },
      },
      err: { write: () => undefined },
    };
    const code = await demoMain(['--sim', '--duration', '30', '--seed', '3'], io, {
      paced: false,
      signal: controller.signal,
    });
    expect(code).toBe(130);
    const lines = out.trimEnd().split('\n');
    expect(lines.some((l) => /^\[\s+1\.\d s interrupted\]/.test(l))).toBe(true);
    expect(out).not.toMatch(/^\[\s+2\.0 s chatting\]/m);
    expect(out).not.toContain('settling]');
    expect(out).toMatch(/^chat: interrupted after 1\.\d s of 30 s, not settled; /m);
    expect(lines.at(-1)).toMatch(/^interrupted: (converged|diverged): /);
  });

  it('Ctrl-C while the session forms: nothing to compare, exit 130', async () => {
    const s = sinks(false);
    const code = await demoMain(['--sim'], s.io, { paced: false, signal: AbortSignal.abort() });
    expect(code).toBe(130);
    expect(s.out().trimEnd().split('\n').at(-1)).toBe(
      'interrupted while forming the session: nothing to compare',
    );
  });

  it('from 20 % loss the banner says a join can fail for good', async () => {
    const s = sinks(false);
    await demoMain(['--loss', '20'], s.io, { paced: false, signal: AbortSignal.abort() });
    expect(s.out()).toMatch(/At 20 % loss a node's join can fail/);
  });
});

describe('the demo process', () => {
  it('the first SIGINT interrupts the run, the second exits 130 at once', () => {
    const proc = Object.assign(new EventEmitter(), { exits: [] as number[] });
    const interrupt = interruptOnSigint({
      on: (e, l) => proc.on(e, l),
      off: (e, l) => proc.off(e, l),
      exit: (code) => void proc.exits.push(code),
    });
    expect(interrupt.signal.aborted).toBe(false);
    proc.emit('SIGINT');
    expect(interrupt.signal.aborted).toBe(true);
    expect(proc.exits).toEqual([]);
    proc.emit('SIGINT');
    expect(proc.exits).toEqual([130]);
    interrupt.release();
    expect(proc.listenerCount('SIGINT')).toBe(0);
  });

  it('a closed pipe (EPIPE) exits quietly; any other stream error is thrown', () => {
    const stream = new EventEmitter();
    const exits: number[] = [];
    exitQuietlyOnClosedPipe(stream, (code) => void exits.push(code));
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([0]);
    expect(() =>
      stream.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' })),
    ).toThrow('write EIO');
  });
});
