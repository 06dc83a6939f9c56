import { describe, expect, it } from 'vitest';
import { checkConvergence, logHash, type LogEntry, type NodeLog } from '../src/convergence.ts';

const entry = (id: number, content = `m${id}`): LogEntry => ({
  id: String(id),
  line: `${id}|author|${id * 10}||"${content}"|`,
});
const ids = [1, 2, 3, 4, 5];
const sent = new Set(ids.map(String));
const full = ids.map((id) => entry(id));
const logs = (n: number): NodeLog[] =>
  Array.from({ length: n }, (_, i) => ({ name: `n${i + 1}`, entries: [...full] }));

describe('the convergence checker', () => {
  it('identical logs holding every sent message converge', () => {
    const v = checkConvergence(logs(4), sent);
    expect(v).toMatchObject({ converged: true, nodes: 4, agreeing: 4, messages: 5, sent: 5 });
    expect(v.divergent).toEqual([]);
    expect(v.hash).toBe(logHash(full));
  });

  it('the hash depends on the order and on every field of each line', () => {
    expect(logHash([entry(2), entry(1)])).not.toBe(logHash([entry(1), entry(2)]));
    expect(logHash([entry(1, 'x')])).not.toBe(logHash([entry(1, 'y')]));
    expect(logHash([])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a node that lost a message is named, the others are not', () => {
    const l = logs(4);
    l[2] = { name: 'n3', entries: full.filter((e) => e.id !== '3') };
    const v = checkConvergence(l, sent);
    expect(v.converged).toBe(false);
    expect(v.agreeing).toBe(3);
    expect(v.divergent).toEqual([
      expect.objectContaining({
        node: 'n3',
        missing: 1,
        extra: 0,
        orderDiffers: false,
        changed: 0,
      }),
    ]);
  });

  it('a node holding the messages in another order is named with order differs', () => {
    const l = logs(4);
    l[1] = { name: 'n2', entries: [full[1], full[0], ...full.slice(2)] as LogEntry[] };
    const v = checkConvergence(l, sent);
    expect(v.divergent).toEqual([
      expect.objectContaining({ node: 'n2', missing: 0, orderDiffers: true, changed: 0 }),
    ]);
  });

  it('a node showing a message otherwise, or one nobody sent, is named with what differs', () => {
    const l = logs(4);
    l[3] = { name: 'n4', entries: full.map((e) => (e.id === '4' ? entry(4, 'tampered') : e)) };
    l[0] = { name: 'n1', entries: [...full, entry(99)] };
    const v = checkConvergence(l, sent);
    expect(v.agreeing).toBe(2);
    expect(v.divergent).toEqual([
      expect.objectContaining({ node: 'n1', extra: 1, changed: 0 }),
      expect.objectContaining({ node: 'n4', extra: 0, changed: 1 }),
    ]);
  });

  it('a complete log is the reference even against a larger group of incomplete ones', () => {
    const partial = full.slice(0, 4);
    const l: NodeLog[] = [
      { name: 'n1', entries: partial },
      { name: 'n2', entries: partial },
      { name: 'n3', entries: full },
    ];
    const v = checkConvergence(l, sent);
    expect(v.hash).toBe(logHash(full));
    expect(v.divergent.map((d) => d.node)).toEqual(['n1', 'n2']);
  });

  it('nodes that agree but all miss a sent message do not converge', () => {
    const l = logs(3).map((x) => ({ ...x, entries: full.slice(1) }));
    const v = checkConvergence(l, sent);
    expect(v.converged).toBe(false);
    expect(v.agreeing).toBe(3);
    expect(v.divergent.map((d) => [d.node, d.missing])).toEqual([
      ['n1', 1],
      ['n2', 1],
      ['n3', 1],
    ]);
  });

  it('with two nodes in another order, the earlier node is the reference', () => {
    const l = logs(2);
    l[1] = { name: 'n2', entries: [...full].reverse() };
    const v = checkConvergence(l, sent);
    expect(v.divergent.map((d) => d.node)).toEqual(['n2']);
    expect(v.agreeing).toBe(1);
  });
});
