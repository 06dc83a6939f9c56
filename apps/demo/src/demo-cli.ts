import { DemoArgsError, USAGE, parseDemoArgs, type DemoOptions } from './demo-args.ts';
import { simNetwork, udpNetwork } from './demo-network.ts';
import { runDemo } from './demo-run.ts';
import { LiveView, type ViewOutput } from './live-view.ts';
import { summarise } from './summary.ts';

/** Options of {@link demoMain} beyond the command line. */
export interface DemoMainSettings {
  /** Let simulated time follow the wall clock (default true: a newcomer watches it live). */
  readonly paced?: boolean;
}

function banner(o: DemoOptions): string {
  const where =
    o.sim === undefined
      ? 'real UDP sockets on 127.0.0.1, real crypto (X25519 handshakes, ChaCha20-Poly1305 channels, Ed25519-signed events)'
      : `SimNetwork in virtual time (${o.sim.lossPercent} % loss, ${o.sim.jitterMs} ms jitter, seed ${o.sim.seed}), real crypto`;
  return (
    `Elara demo: ${o.nodes} nodes form one encrypted session on ${where};\n` +
    `each sends about ${o.rate} chat messages a second for ${o.durationS} s, with typing, ` +
    `reactions and presence. Then every node's ordered log is compared.\n`
  );
}

/**
 * The demo's command line: parses `argv`, runs the demo with a live view on `out`, prints the
 * summary and returns the exit code (0 converged, 1 diverged or failed, 2 bad arguments).
 */
export async function demoMain(
  argv: readonly string[],
  out: ViewOutput,
  settings: DemoMainSettings = {},
): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoArgs(argv);
  } catch (error) {
    if (!(error instanceof DemoArgsError)) throw error;
    out.write(`${error.name}: ${error.message}\n\n${USAGE}\n`);
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
    const { verdict, facts } = await runDemo(options, network, { frame: (f) => view.show(f) });
    const { lines, exitCode } = summarise(verdict, facts);
    out.write(`${lines.join('\n')}\n`);
    return exitCode;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    out.write(`\nfailed: ${e.name}: ${e.message}\n`);
    return 1;
  } finally {
    await network.close();
  }
}
