import { ElaraError } from '@elara/core';

/** The simulated network's parameters (`--loss`, `--jitter`, `--latency`, `--skew`, `--seed`). */
export interface SimOptions {
  /** Datagrams lost on every link, percent. */
  readonly lossPercent: number;
  /** Mean of the exponential jitter added to every datagram, ms. */
  readonly jitterMs: number;
  /** Base one-way delay of every link, ms. */
  readonly latencyMs: number;
  /** Each node's clock is off by a seeded amount within ±skew, ms. */
  readonly skewMs: number;
  /** Every random draw of the run (links, keys, the chat) comes from it: a run replays exactly. */
  readonly seed: number;
}

/** What the demo runs, from its command line. */
export interface DemoOptions {
  /** Nodes forming the session. */
  readonly nodes: number;
  /** How long the nodes chat, seconds (then they settle and the logs are compared). */
  readonly durationS: number;
  /** Chat messages each node sends per second, on average. */
  readonly rate: number;
  /** Real loopback UDP (undefined), or SimNetwork in virtual time with these parameters. */
  readonly sim: SimOptions | undefined;
  /** Plain progress lines even on a terminal. */
  readonly plain: boolean;
  /** Print the usage and exit. */
  readonly help: boolean;
}

/** A command-line argument the demo cannot use; `flag` names it (`'--nodes'`). */
export class DemoArgsError extends ElaraError {
  static override readonly code: string = 'DemoArgsError';

  constructor(
    /** The flag at fault, or the stray argument itself. */
    readonly flag: string,
    /** Why, in words. */
    readonly reason: string,
  ) {
    super(`${flag}: ${reason}`);
  }
}

/** Most members of one session (the runtime's group bound). */
export const MAX_NODES = 8;

/**
 * Most loss `--loss` takes, percent. Joins are the weak point under loss: with 100 ms jitter,
 * a four-node session failed to form (one join out of three handshakes) in 7 of 300 seeds at
 * 20 % loss and in 131 of 300 at 30 %.
 */
export const MAX_LOSS_PERCENT = 30;

/** Defaults of every flag. */
export const DEMO_DEFAULTS = {
  nodes: 4,
  durationS: 10,
  rate: 2,
  lossPercent: 0,
  jitterMs: 0,
  latencyMs: 20,
  skewMs: 0,
  seed: 1,
} as const;

/** The usage text (`--help`). */
export const USAGE = `usage: npm run demo -- [flags]

  --nodes N       nodes in the session, 2–${MAX_NODES} (default ${DEMO_DEFAULTS.nodes})
  --duration S    seconds of chat before the logs are compared (default ${DEMO_DEFAULTS.durationS})
  --rate R        messages per second per node (default ${DEMO_DEFAULTS.rate})
  --plain         plain progress lines even on a terminal

  Real loopback UDP unless one of these is given; then SimNetwork in virtual time:
  --loss P        percent of datagrams lost on every link, 0–${MAX_LOSS_PERCENT} (default 0)
  --jitter MS     mean exponential jitter per datagram, ms (default 0)
  --latency MS    base one-way delay, ms (default ${DEMO_DEFAULTS.latencyMs})
  --skew MS       each node's clock off by up to ±MS (default 0)
  --seed N        seed of every random draw: the same seed replays the same run (default 1)
  --sim           SimNetwork with the defaults above`;

interface NumberFlag {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

const NUMBER_FLAGS: Readonly<Record<string, NumberFlag>> = {
  '--nodes': { min: 2, max: MAX_NODES, integer: true },
  '--duration': { min: 0.1, max: 3600, integer: false },
  '--rate': { min: 0.1, max: 100, integer: false },
  '--loss': { min: 0, max: MAX_LOSS_PERCENT, integer: false },
  '--jitter': { min: 0, max: 10_000, integer: false },
  '--latency': { min: 0, max: 10_000, integer: false },
  '--skew': { min: 0, max: 60_000, integer: false },
  '--seed': { min: 0, max: 0xffff_ffff, integer: true },
};

const SWITCHES = new Set(['--sim', '--plain', '--help', '-h']);
const SIM_FLAGS = new Set(['--loss', '--jitter', '--latency', '--skew', '--seed', '--sim']);

function numberOf(flag: string, text: string | undefined, spec: NumberFlag): number {
  if (text === undefined || text === '' || text.startsWith('--'))
    throw new DemoArgsError(flag, 'needs a value');
  const value = Number(text);
  if (!Number.isFinite(value)) throw new DemoArgsError(flag, `"${text}" is not a number`);
  if (spec.integer && !Number.isInteger(value))
    throw new DemoArgsError(flag, `"${text}" is not a whole number`);
  if (value < spec.min || value > spec.max)
    throw new DemoArgsError(flag, `${text} is outside ${spec.min}–${spec.max}`);
  return value;
}

/**
 * Reads the demo's flags (`--flag value` or `--flag=value`). Throws {@link DemoArgsError}
 * naming the flag for an unknown flag, a missing or malformed value, a value out of range, a
 * flag given twice, or a stray argument.
 */
export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  const numbers = new Map<string, number>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const spec = NUMBER_FLAGS[flag];
    if (numbers.has(flag) || switches.has(flag)) throw new DemoArgsError(flag, 'given twice');
    if (spec !== undefined) {
      const text = eq > 0 && flag !== arg ? arg.slice(eq + 1) : argv[++i];
      numbers.set(flag, numberOf(flag, text, spec));
    } else if (SWITCHES.has(flag) && flag === arg) {
      switches.add(flag);
    } else if (SWITCHES.has(flag)) {
      throw new DemoArgsError(flag, 'takes no value');
    } else if (arg.startsWith('-')) {
      throw new DemoArgsError(flag, 'unknown flag (see --help)');
    } else {
      throw new DemoArgsError(arg, 'unexpected argument (flags start with --)');
    }
  }
  const get = (flag: string, fallback: number): number => numbers.get(flag) ?? fallback;
  const simulated = [...numbers.keys(), ...switches].some((f) => SIM_FLAGS.has(f));
  return {
    nodes: get('--nodes', DEMO_DEFAULTS.nodes),
    durationS: get('--duration', DEMO_DEFAULTS.durationS),
    rate: get('--rate', DEMO_DEFAULTS.rate),
    sim: simulated
      ? {
          lossPercent: get('--loss', DEMO_DEFAULTS.lossPercent),
          jitterMs: get('--jitter', DEMO_DEFAULTS.jitterMs),
          latencyMs: get('--latency', DEMO_DEFAULTS.latencyMs),
          skewMs: get('--skew', DEMO_DEFAULTS.skewMs),
          seed: get('--seed', DEMO_DEFAULTS.seed),
        }
      : undefined,
    plain: switches.has('--plain'),
    help: switches.has('--help') || switches.has('-h'),
  };
}
