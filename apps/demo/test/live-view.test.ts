import { describe, expect, it } from 'vitest';
import {
  LiveView,
  MIN_TABLE_COLUMNS,
  pathText,
  tableLines,
  type ViewFrame,
} from '../src/live-view.ts';
import type { NodeRow } from '../src/node-row.ts';

const row = (name: string, messages: number, typing = ['n2']): NodeRow => ({
  name,
  address: '127.0.0.1:40000',
  peers: 3,
  others: 3,
  present: 4,
  messages,
  typing,
  tauOffsetMs: -1.25,
  path: { kinds: [['direct', 3]], rttMs: [0.2, 0.4], lossPercent: 0 },
});
const frame = (phase: ViewFrame['phase'], elapsedS: number, messages = 1): ViewFrame => ({
  phase,
  elapsedS,
  durationS: 10,
  rows: [row('n1', messages), row('n2', messages)],
});

function sink(
  isTTY: boolean,
  columns?: number,
): {
  out: { write(s: string): void; isTTY: boolean; columns?: number };
  text: () => string;
} {
  let text = '';
  const out = { write: (s: string) => void (text += s), isTTY };
  return { out: columns === undefined ? out : { ...out, columns }, text: () => text };
}

const ESC = '\x1b';

/**
 * What a terminal `columns` wide shows after `text`: the rows from the first one written, with
 * the escapes the view uses (`ESC[nF` up n rows to column 0, `ESC[2K` clear the row) and
 * wrapping at the right edge as a terminal does.
 */
function screen(text: string, columns: number): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  for (const t of text.match(new RegExp(String.raw`${ESC}\[\d*[A-Za-z]|[^]`, 'gu')) ?? []) {
    if (t.startsWith('\x1b[')) {
      const n = Number(t.slice(2, -1) || '1');
      if (t.endsWith('F')) [row, col] = [Math.max(0, row - n), 0];
      if (t.endsWith('K')) rows[row] = [];
    } else if (t === '\n') {
      [row, col] = [row + 1, 0];
    } else {
      if (col >= columns) [row, col] = [row + 1, 0];
      const r = (rows[row] ??= []);
      while (r.length < col) r.push(' ');
      r[col++] = t;
    }
    rows[row] ??= [];
  }
  return rows.map((r) => r.join('')).filter((r, i, all) => r !== '' || i < all.length - 1);
}

/** Four nodes as loopback shows them, each reaching three peers. */
const loopbackFrame = (elapsedS: number, messages: number): ViewFrame => ({
  phase: 'chatting',
  elapsedS,
  durationS: 10,
  rows: ['n1', 'n2', 'n3', 'n4'].map((name, i) => ({
    ...row(name, messages, i === 0 ? ['n2', 'n3'] : []),
    address: `127.0.0.1:${60365 + i * 1111}`,
    tauOffsetMs: 0.6 - i * 0.3,
    path: { kinds: [['direct', 3]], rttMs: [1.2, 3.2 + i], lossPercent: 0 },
  })),
});

describe('the live view', () => {
  it('without a terminal prints one plain line per second of the run and per phase', () => {
    const s = sink(false);
    const view = new LiveView(s.out);
    for (let t = 0; t < 2.6; t += 0.25) view.show(frame('chatting', t, Math.round(t * 4)));
    view.show(frame('settling', 2.75, 11));
    const lines = s.text().trimEnd().split('\n');
    expect(lines).toEqual([
      '[  0.0 s chatting] n1 0 msgs 3/3 peers | n2 0 msgs 3/3 peers',
      '[  1.0 s chatting] n1 4 msgs 3/3 peers | n2 4 msgs 3/3 peers',
      '[  2.0 s chatting] n1 8 msgs 3/3 peers | n2 8 msgs 3/3 peers',
      '[  2.8 s settling] n1 11 msgs 3/3 peers | n2 11 msgs 3/3 peers',
    ]);
    expect(s.text()).not.toContain('\x1b');
  });

  it('on a terminal redraws the table in place: back up over the lines it drew', () => {
    const s = sink(true);
    const view = new LiveView(s.out);
    view.show(frame('chatting', 0));
    const first = s.text();
    expect(first).not.toContain('\x1b[4F');
    const lines = first.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(4); // phase, header, two nodes
    expect(lines[1]).toMatch(/node\s+address\s+peers\s+here\s+msgs\s+τs offset\s+typing\s+path/);
    expect(lines[2]).toContain('n1');
    expect(lines[2]).toContain('−1.3 ms');
    expect(lines[2]).toContain('direct ×3, rtt 0.2–0.4 ms');
    view.show(frame('chatting', 0.25, 2));
    const second = s.text().slice(first.length);
    expect(second.startsWith('\x1b[4F')).toBe(true);
    expect(second.split('\x1b[2K')).toHaveLength(5);
  });

  it('on an 80-column terminal every line fits, and each redraw lands on the table drawn', () => {
    const s = sink(true, 80);
    const view = new LiveView(s.out);
    const frames = [0, 0.25, 0.5].map((t, i) => loopbackFrame(t, i * 3));
    const writes = frames.map((f) => {
      const before = s.text().length;
      view.show(f);
      return s.text().slice(before);
    });
    for (const w of writes)
      for (const line of w.replace(new RegExp(String.raw`${ESC}\[\d*[FK]`, 'g'), '').split('\n'))
        expect([...line].length, line).toBeLessThanOrEqual(79);
    // Six lines drawn (phase, header, four nodes), six rows up before each redraw.
    expect(writes[0]).not.toMatch(new RegExp(String.raw`${ESC}\[\d+F`));
    expect(writes[1]?.startsWith('\x1b[6F')).toBe(true);
    expect(writes[2]?.startsWith('\x1b[6F')).toBe(true);
    expect(writes[2]?.split('\n')).toHaveLength(7);
    // The path column is shortened rather than cut.
    expect(writes[2]).toContain('direct×3 1.2–3.2ms 0%');
    expect(writes[2]).not.toContain('…');
    // The terminal shows the last frame, once, with nothing left of the earlier ones.
    const shown = screen(s.text(), 80);
    expect(shown).toEqual(tableLines(frames[2] as ViewFrame, 80));
    expect(shown[0]).toMatch(/^chatting\s+0\.5 s/);
    expect(shown.slice(2).map((l) => l.split(/\s+/).slice(0, 5))).toEqual(
      ['n1', 'n2', 'n3', 'n4'].map((n, i) => [n, `127.0.0.1:${60365 + i * 1111}`, '3/3', '4', '6']),
    );
  });

  it('a table still too wide is cut at the width, the last character an ellipsis', () => {
    const s = sink(true, 60);
    const wide = loopbackFrame(1, 12);
    new LiveView(s.out).show({
      ...wide,
      rows: wide.rows.map((r) => ({ ...r, typing: ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'] })),
    });
    const lines = s.text().replaceAll(`${ESC}[2K`, '').trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(59);
    expect(lines.slice(2).every((l) => l.endsWith('…'))).toBe(true);
    expect(screen(s.text(), 60)).toEqual(lines);
  });

  it(`narrower than ${MIN_TABLE_COLUMNS} columns, plain lines instead of the table`, () => {
    const s = sink(true, MIN_TABLE_COLUMNS - 1);
    new LiveView(s.out).show(frame('chatting', 0));
    expect(s.text()).toBe('[  0.0 s chatting] n1 1 msgs 3/3 peers | n2 1 msgs 3/3 peers\n');
  });

  it('the path column, in full and compact', () => {
    const p = { kinds: [['direct', 2] as const, ['relayed', 1] as const], lossPercent: 2.4 };
    expect(pathText({ ...p, rttMs: [1.25, 12] }, false)).toBe(
      'direct ×2, relayed ×1, rtt 1.3–12 ms, loss 2 %',
    );
    expect(pathText({ ...p, rttMs: [1.25, 12] }, true)).toBe('direct×2,relayed×1 1.3–12ms 2%');
    expect(pathText({ kinds: [], rttMs: undefined, lossPercent: 0 }, true)).toBe('none … 0%');
  });

  it('plain on a terminal when asked', () => {
    const s = sink(true);
    new LiveView(s.out, true).show(frame('chatting', 0));
    expect(s.text()).toBe('[  0.0 s chatting] n1 1 msgs 3/3 peers | n2 1 msgs 3/3 peers\n');
  });
});
