import { DemoArgsError, USAGE, parseDemoArgs, type DemoOptions } from './demo-args.ts';
import { DemoInterruptedError, INTERRUPTED_EXIT_CODE } from './demo-interrupt.ts';
import { simNetwork, udpNetwork } from './demo-network.ts';
import { runDemo } from './demo-run.ts';
import { LiveView, type ViewOutput } from './live-view.ts';
import { summarise } from './summary.ts';

/** Where the demo writes: the live view and the summary to `out`, errors to `err`. */
export interface DemoIo {
  readonly out: ViewOutput;
  readonly err: { write(text: string): unknown };
}

/** Options of {@link demoMain} beyond the command line. */
export interface DemoMainSettings {
  /** Let simulated time follow the wall clock (default true: a newcomer watches it live). */
  readonly paced?: boolean;
  /** Aborted on Ctrl-C: the run stops and reports what it has (exit 130). */
  readonly signal?: AbortSignal;
}

/** From this loss on, some joins fail even after their retries: the banner says so. */
export const LOSSY_JOINS_PERCENT = 20;

function banner(o: DemoOptions): string {
  const where =
    o.sim === undefined
      ? 'real UDP sockets on 127.0.0.1, real crypto (X25519 handshakes, ChaCha20-Poly1305 channels, Ed25519-signed events)'
      : `SimNetwork in virtual time (${o.sim.lossPercent} % loss, ${o.sim.jitterMs} ms jitter, seed ${o.sim.seed}), real crypto`;
  const lossy =
    o.sim !== undefined && o.sim.lossPercent >= LOSSY_JOINS_PERCENT
      ? `At ${o.sim.lossPercent} % loss a node's join can fail even after three handshakes of ` +
        `five attempts each (a session of four failed to form in about 1 run in 40 at 20 %, ` +
        `1 in 2 at 30 %): the run then stops naming the node; another --seed draws other losses.\n`
      : '';
  return (
    `Elara demo: ${o.nodes} nodes form one encrypted session on ${where};\n` +
    `each sends about ${o.rate} chat messages a second for ${o.durationS} s, with typing, ` +
    `reactions and presence. Then every node's ordered log is compared.\n${lossy}`
  );
}

/**
 * The demo's command line: parses `argv`, runs the demo with a live view on `io.out`, prints
 * the summary and returns the exit code (0 converged, 1 diverged or failed, 2 bad arguments,
 * 130 interrupted). Bad arguments and failures go to `io.err`; `--help` to `io.out`.
 */
export async function demoMain(
  argv: readonly string[],
  io: DemoIo,
  settings: DemoMainSettings = {},
): Promise<number> {
  const { out, err } = io;
  let options: DemoOptions;
  try {
    options = parseDemoArgs(argv);
  } catch (error) {
    if (!(error instanceof DemoArgsError)) throw error;
    err.write(`${error.name}: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  out.write(banner(options));
  const network =
    options.sim === undefined
      ? udpNetwork()
      : simNetwork(options.sim, { paced: settings.paced ?? true });
  const view = new LiveView(out, options.plain || out.isTTY !== true);
  try {
    const { verdict, facts } = await runDemo(
      options,
      network,
      { frame: (f) => view.show(f) },
      settings.signal === undefined ? {} : { signal: settings.signal },
    );
    const { lines, exitCode } = summarise(verdict, facts);
    out.write(`${lines.join('\n')}\n`);
    return exitCode;
  } catch (error) {
    if (DemoInterruptedError.isInstance(error)) {
      out.write(`\ninterrupted ${(error as Error).message}: nothing to compare\n`);
      return INTERRUPTED_EXIT_CODE;
    }
    const e = error instanceof Error ? error : new Error(String(error));
    err.write(`\nfailed: ${e.name}: ${e.message}\n`);
    return 1;
  } finally {
    await network.close();
  }
}
