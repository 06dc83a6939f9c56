import type { NodeRow } from './node-row.ts';

/** Where the demo writes: `process.stdout`, or a string sink in tests. */
export interface ViewOutput {
  write(text: string): unknown;
  /** True on a terminal: the view redraws a table in place. */
  readonly isTTY?: boolean;
}

/** What the run is doing. */
export type Phase = 'forming' | 'chatting' | 'settling';

/** One moment of the run, as the view shows it. */
export interface ViewFrame {
  readonly phase: Phase;
  /** Seconds of the network's time since the chat began. */
  readonly elapsedS: number;
  readonly durationS: number;
  readonly rows: readonly NodeRow[];
}

const signed = (ms: number): string => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(1)} ms`;

/** The table a terminal shows, one line per node under a header. */
export function tableLines(frame: ViewFrame): string[] {
  const head = `${frame.phase.padEnd(9)} ${frame.elapsedS.toFixed(1).padStart(5)} s (chat: ${frame.durationS} s)`;
  const cols = ['node', 'address', 'peers', 'here', 'msgs', 'τs offset', 'typing', 'path'];
  const cells = frame.rows.map((r) => [
    r.name,
    r.address,
    `${r.peers}/${r.others}`,
    String(r.present),
    String(r.messages),
    signed(r.tauOffsetMs),
    r.typing.join(',') || '–',
    r.path,
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]): string =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [head, line(cols), ...cells.map(line)];
}

/** The one progress line plain output gets per second. */
export function progressLine(frame: ViewFrame): string {
  const nodes =
    frame.rows.length === 0
      ? 'forming the session…'
      : frame.rows
          .map((r) => `${r.name} ${r.messages} msgs ${r.peers}/${r.others} peers`)
          .join(' | ');
  return `[${frame.elapsedS.toFixed(1).padStart(5)} s ${frame.phase}] ${nodes}`;
}

/**
 * The live view: on a terminal, a table of every node redrawn in place; otherwise (a pipe, a
 * CI log) a plain progress line at most once a second of the run and at each change of phase.
 */
export class LiveView {
  private drawn = 0;
  private lastPlain: { phase: Phase; second: number } | undefined;

  constructor(
    private readonly out: ViewOutput,
    /** Plain lines even on a terminal. */
    private readonly plain = out.isTTY !== true,
  ) {}

  /** Shows `frame`. */
  show(frame: ViewFrame): void {
    if (this.plain) {
      const second = Math.floor(frame.elapsedS);
      const last = this.lastPlain;
      if (last !== undefined && last.phase === frame.phase && last.second === second) return;
      this.lastPlain = { phase: frame.phase, second };
      this.out.write(`${progressLine(frame)}\n`);
      return;
    }
    const lines = tableLines(frame);
    // Back to the table's first line, then each line rewritten and cleared to its end.
    let text = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    for (const l of lines) text += `\x1b[2K${l}\n`;
    for (let i = lines.length; i < this.drawn; i++) text += '\x1b[2K\n';
    this.out.write(text);
    this.drawn = Math.max(this.drawn, lines.length);
  }
}
