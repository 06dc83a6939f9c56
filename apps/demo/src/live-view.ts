import type { NodeRow, PathSummary } from './node-row.ts';

/** Where the demo writes: `process.stdout`, or a string sink in tests. */
export interface ViewOutput {
  write(text: string): unknown;
  /** True on a terminal: the view redraws a table in place. */
  readonly isTTY?: boolean;
  /** The terminal's width, when known: the table is fitted to it. */
  readonly columns?: number;
}

/** Below this width the table would be mostly cut off: plain progress lines instead. */
export const MIN_TABLE_COLUMNS = 50;

/** What the run is doing. */
export type Phase = 'forming' | 'chatting' | 'settling' | 'interrupted';

/** One moment of the run, as the view shows it. */
export interface ViewFrame {
  readonly phase: Phase;
  /** Seconds of the network's time since the chat began. */
  readonly elapsedS: number;
  readonly durationS: number;
  readonly rows: readonly NodeRow[];
}

const signed = (ms: number): string => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(1)} ms`;

const ms = (x: number): string => (x < 10 ? x.toFixed(1) : x.toFixed(0));
const range = ([lo, hi]: readonly [number, number]): string =>
  lo === hi ? ms(lo) : `${ms(lo)}–${ms(hi)}`;

/**
 * The path column: `direct ×3, rtt 1.2–3.2 ms, loss 0 %`, or `direct×3 1.2–3.2ms 0%` when
 * `compact` (a narrow terminal).
 */
export function pathText(p: PathSummary, compact: boolean): string {
  const kinds = p.kinds.map(([kind, n]) => `${kind}${compact ? '' : ' '}×${n}`);
  const loss = p.lossPercent.toFixed(0);
  if (compact)
    return [kinds.join(',') || 'none', p.rttMs ? `${range(p.rttMs)}ms` : '…', `${loss}%`].join(' ');
  return [
    kinds.join(', ') || 'none',
    p.rttMs ? `rtt ${range(p.rttMs)} ms` : 'rtt …',
    `loss ${loss} %`,
  ].join(', ');
}

/** Characters a line takes on the terminal (the table holds no wide characters). */
const width = (line: string): number => [...line].length;

/** `line` cut to `max` characters, the last one an ellipsis when something was cut. */
function clip(line: string, max: number): string {
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * The table a terminal `columns` wide shows, one line per node under a header. Every line is
 * kept under the width (the path column shortened and the columns closer, then each line cut): a line that wrapped
 * would take two rows, and the redraw, which moves up one row per line, would land too low.
 */
export function tableLines(frame: ViewFrame, columns = Infinity): string[] {
  const max = columns - 1;
  const lines = table(frame, false);
  return (lines.some((l) => width(l) > max) ? table(frame, true) : lines).map((l) => clip(l, max));
}

function table(frame: ViewFrame, compact: boolean): string[] {
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
    pathText(r.path, compact),
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]): string =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join(compact ? ' ' : '  ')
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
 * The live view: on a terminal, a table of every node redrawn in place, fitted to the
 * terminal's width; otherwise (a pipe, a CI log, a terminal narrower than
 * {@link MIN_TABLE_COLUMNS}) a plain progress line at most once a second of the run and at each
 * change of phase.
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
    const columns = this.out.columns ?? Infinity;
    if (this.plain || columns < MIN_TABLE_COLUMNS) {
      const second = Math.floor(frame.elapsedS);
      const last = this.lastPlain;
      if (last !== undefined && last.phase === frame.phase && last.second === second) return;
      this.lastPlain = { phase: frame.phase, second };
      this.out.write(`${progressLine(frame)}\n`);
      return;
    }
    const lines = tableLines(frame, columns);
    // Back to the table's first line (every line fits on one row), then each line rewritten and cleared to its end.
    let text = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    for (const l of lines) text += `\x1b[2K${l}\n`;
    for (let i = lines.length; i < this.drawn; i++) text += '\x1b[2K\n';
    this.out.write(text);
    this.drawn = Math.max(this.drawn, lines.length);
  }
}
