import { describe, expect, it } from 'vitest';
import { DEMO_DEFAULTS, DemoArgsError, parseDemoArgs } from '../src/demo-args.ts';

function refusal(argv: string[]): DemoArgsError {
  try {
    parseDemoArgs(argv);
  } catch (error) {
    if (error instanceof DemoArgsError) return error;
    throw error;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('the demo command line', () => {
  it('defaults to real UDP with the default node count, duration and rate', () => {
    expect(parseDemoArgs([])).toEqual({
      nodes: DEMO_DEFAULTS.nodes,
      durationS: 10,
      rate: 2,
      sim: undefined,
      plain: false,
      help: false,
    });
  });

  it('--loss, --jitter, --latency, --skew, --seed or --sim select SimNetwork', () => {
    expect(parseDemoArgs(['--loss', '10', '--jitter', '100']).sim).toEqual({
      lossPercent: 10,
      jitterMs: 100,
      latencyMs: DEMO_DEFAULTS.latencyMs,
      skewMs: 0,
      seed: DEMO_DEFAULTS.seed,
    });
    for (const argv of [['--seed', '7'], ['--sim'], ['--latency=5'], ['--skew', '3']])
      expect(parseDemoArgs(argv).sim).toBeDefined();
    expect(parseDemoArgs(['--seed=7']).sim?.seed).toBe(7);
    expect(
      parseDemoArgs(['--nodes', '3', '--duration', '2.5', '--rate', '4', '--plain']),
    ).toMatchObject({ nodes: 3, durationS: 2.5, rate: 4, sim: undefined, plain: true });
    expect(parseDemoArgs(['-h']).help).toBe(true);
  });

  it('each bad argument is a DemoArgsError naming its flag', () => {
    const cases: [string[], string, RegExp][] = [
      [['--node', '3'], '--node', /unknown flag/],
      [['--nodes'], '--nodes', /needs a value/],
      [['--nodes', '--sim'], '--nodes', /needs a value/],
      [['--nodes='], '--nodes', /needs a value/],
      [['--nodes', 'four'], '--nodes', /not a number/],
      [['--nodes', '2.5'], '--nodes', /not a whole number/],
      [['--nodes', '1'], '--nodes', /outside 2–8/],
      [['--nodes', '9'], '--nodes', /outside 2–8/],
      [['--loss', '95'], '--loss', /outside/],
      [['--loss', '30.5'], '--loss', /outside 0–30/],
      [['--loss', '-1'], '--loss', /outside/],
      [['--jitter', 'NaN'], '--jitter', /not a number/],
      [['--duration', '0'], '--duration', /outside/],
      [['--seed', '4294967296'], '--seed', /outside/],
      [['--seed', '1', '--seed', '2'], '--seed', /given twice/],
      [['--plain', '--plain'], '--plain', /given twice/],
      [['--sim=yes'], '--sim', /takes no value/],
      [['loss'], 'loss', /unexpected argument/],
      [['-x'], '-x', /unknown flag/],
    ];
    for (const [argv, flag, reason] of cases) {
      const e = refusal(argv);
      expect(e.name).toBe('DemoArgsError');
      expect(e.flag, argv.join(' ')).toBe(flag);
      expect(e.message).toMatch(reason);
    }
  });
});
