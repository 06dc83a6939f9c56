import { describe, expect, it } from 'vitest';
import { ElaraError, type MessageId, type NodeId } from '@elara/core';
import { LinkModel, type LinkConfig } from '@elara/core/sim';
import { EventStore } from '@elara/state';
import { simWorld, STATISTICAL_SEEDS, type SimWorld } from '@elara/testkit';
import { type Message, type StreamOptionsInput, TextProjection } from '../src/index.ts';
import { author, canonical, replica, type Replica } from './helpers.ts';

const AUTHORS = 8;
const ACTIONS_PER_AUTHOR = 30;
const ACTIVE_US = 10_000_000;
const REACTIONS = ['👍', '🎉', '👀'];

/** Every path: 20 ms ± exponential jitter, 10 % loss, reordering and duplication. */
const LINK: LinkConfig = {
  latencyUs: 20_000,
  jitter: { distribution: 'exponential', meanUs: 10_000 },
  loss: { model: 'random', p: 0.1 },
  reorder: { p: 0.1, delayUs: 60_000 },
  duplicate: 0.05,
};

interface Node {
  readonly replica: Replica;
  readonly store: EventStore;
  /** The ids of the messages this author sent, in its order. */
  readonly sentIds: MessageId[];
}

/** Eight replicas with skewed clocks, full mesh of lossy links, an event store each. */
function build(world: SimWorld, options: StreamOptionsInput | undefined) {
  const ids = Array.from({ length: AUTHORS }, (_, i) => author(i));
  const nodes: Node[] = ids.map((id, i) => {
    const store = new EventStore();
    const clock = world.clockFromStart({ offsetUs: (i - 4) * 7_000, skewPpm: (i - 4) * 20 });
    return {
      replica: replica(id, clock, {
        members: ids,
        observers: [store],
        ...(options === undefined ? {} : { options }),
      }),
      store,
      sentIds: [],
    };
  });
  const links = new Map<string, LinkModel>();
  const link = (from: number, to: number): LinkModel => {
    const key = `${from}->${to}`;
    let l = links.get(key);
    if (l === undefined) links.set(key, (l = new LinkModel(LINK, world.rng.fork(key))));
    return l;
  };
  /** Sends encoded events from node `i` to node `j` over their lossy link. */
  const transmit = (i: number, j: number, bytes: Uint8Array) => {
    const to = nodes[j] as Node;
    const from = ids[i] as NodeId;
    for (const t of link(i, j).transmit(world.scheduler.now(), bytes.length)) {
      world.scheduler.at(t, () => to.replica.field.receiveBytes(bytes, { from }));
    }
  };
  nodes.forEach((n, i) => {
    n.replica.streams.outgoing$.subscribe(({ bytes }) => {
      for (let j = 0; j < AUTHORS; j++) if (j !== i) transmit(i, j, bytes);
    });
  });
  return { nodes, links, transmit };
}

/** One author's next action, chosen from what its own replica shows. */
function act(world: SimWorld, n: Node): void {
  const t = n.replica.streams.text('room');
  const all = t.messages();
  const live = all.filter((m) => !m.deleted);
  const mine = live.filter((m) => m.author === n.replica.self);
  const pick = <T>(list: readonly T[]): T | undefined =>
    list.length === 0 ? undefined : list[world.rng.int(0, list.length - 1)];
  const r = world.rng.next();
  const reaction = REACTIONS[world.rng.int(0, REACTIONS.length - 1)] as string;
  try {
    if (r < 0.45) {
      n.sentIds.push(t.send(`${n.replica.self.toString(16).slice(0, 4)}#${n.sentIds.length}`));
    } else if (r < 0.55) {
      const target = pick(live);
      if (target) n.sentIds.push(t.send('re', { replyTo: target.id }));
    } else if (r < 0.7) {
      const m = pick(mine);
      if (m) t.edit(m.id, `${m.content}'`);
    } else if (r < 0.75) {
      const m = pick(mine);
      if (m) t.delete(m.id);
    } else if (r < 0.93) {
      const m = pick(live);
      if (m) t.react(m.id, reaction);
    } else {
      const m = pick(live.filter((x) => x.reactions.length > 0));
      const rr = m?.reactions[0];
      if (m && rr) t.unreact(m.id, rr.reaction);
    }
  } catch (e) {
    // A message deleted in between: a named error, nothing written.
    if (!ElaraError.isInstance(e)) throw e;
  }
}

/**
 * Anti-entropy as the runtime runs it: each node sends its digest to one peer, which answers
 * with exactly the events the digest lacks (`EventStore.missing`), over the same lossy link.
 * Returns how many events were sent.
 */
function antiEntropy(
  world: SimWorld,
  nodes: readonly Node[],
  transmit: (i: number, j: number, b: Uint8Array) => void,
): number {
  let sent = 0;
  nodes.forEach((asker, i) => {
    const j = (i + world.rng.int(1, AUTHORS - 1)) % AUTHORS;
    const digest = asker.store.digest();
    let page = (nodes[j] as Node).store.missing(digest, { maxEvents: 256 });
    for (;;) {
      for (const bytes of page.events) transmit(j, i, bytes);
      sent += page.events.length;
      if (page.next === undefined) break;
      page = (nodes[j] as Node).store.missing(digest, { maxEvents: 256, after: page.next });
    }
  });
  return sent;
}

const view = (m: Message) => [
  m.id,
  m.author,
  m.eventId.seq,
  m.content,
  m.replyTo,
  m.edited,
  m.deleted,
  m.reactions,
];

/** The stream's messages projected from scratch from `r`'s log. */
function fromScratch(r: Replica): Message[] {
  const t = r.streams.text('room');
  const log = r.field.atom(t.atom)?.state;
  const p = new TextProjection(r.streams.options.text);
  p.rebuild(log?.kind === 'append-log' ? log : undefined);
  return [...p.messages()];
}

/** The log's bound: the default (nothing dropped here), and small ones that drop a lot. */
const VARIANTS: readonly { name: string; maxEntries: number | undefined }[] = [
  { name: 'the default log', maxEntries: undefined },
  { name: 'a 40-record log', maxEntries: 40 },
  { name: 'a 7-record log', maxEntries: 7 },
];

describe.each(VARIANTS)(
  '8 authors over lossy, reordering, duplicating links, repaired through digests: $name',
  ({ maxEntries }) => {
    const options = maxEntries === undefined ? undefined : { text: { maxEntries } };
    for (const seed of STATISTICAL_SEEDS) {
      it(`seed ${seed}: identical ordered views on every replica, causal and per-author order`, () => {
        const world = simWorld(seed);
        const { nodes, links, transmit } = build(world, options);
        const start = world.scheduler.now();
        for (const n of nodes) {
          for (let k = 0; k < ACTIONS_PER_AUTHOR; k++) {
            world.scheduler.at(start + world.rng.int(0, ACTIVE_US), () => act(world, n));
          }
        }
        // Anti-entropy every second while people chat, then until everyone holds everything.
        let repaired = 0;
        for (let t = 1_000_000; t <= ACTIVE_US; t += 1_000_000) {
          world.scheduler.at(start + t, () => (repaired += antiEntropy(world, nodes, transmit)));
        }
        world.scheduler.advanceBySync(ACTIVE_US + 500_000);
        const same = () =>
          nodes.every((n) => canonical(n.replica) === canonical(nodes[0]!.replica));
        let rounds = 0;
        while (!same() && rounds < 50) {
          repaired += antiEntropy(world, nodes, transmit);
          world.scheduler.advanceBySync(500_000);
          rounds++;
        }
        // The network really lost, reordered and duplicated, and repair really delivered.
        const stats = [...links.values()].map((l) => l.stats);
        expect(stats.reduce((s, x) => s + x.lost, 0)).toBeGreaterThan(0);
        expect(stats.reduce((s, x) => s + x.duplicated, 0)).toBeGreaterThan(0);
        expect(repaired).toBeGreaterThan(0);

        expect(same()).toBe(true);
        const shown = nodes[0]!.replica.streams.text('room').messages();
        const reference = shown.map(view);
        if (maxEntries === undefined) {
          expect(reference.length).toBeGreaterThan(AUTHORS * 5);
          expect(shown.some((m) => m.edited)).toBe(true);
          expect(shown.some((m) => m.deleted)).toBe(true);
          expect(shown.some((m) => m.reactions.length > 0)).toBe(true);
          expect(shown.some((m) => m.replyTo !== undefined)).toBe(true);
        } else {
          const log = nodes[0]!.replica.field.atom(nodes[0]!.replica.streams.text('room').atom);
          expect(log?.state.kind === 'append-log' && log.state.length).toBe(maxEntries);
        }
        for (const n of nodes) {
          const t = n.replica.streams.text('room');
          const list = t.messages();
          expect(list.map(view)).toEqual(reference);
          expect(fromScratch(n.replica).map(view)).toEqual(reference);
          expect(t.counters()).toMatchObject({ invalid: 0, rebuilds: 1 });
          // Each author's messages (those the log still holds) in the order it sent them.
          const own = list.filter((m) => m.author === n.replica.self).map((m) => m.id);
          expect(own).toEqual(n.sentIds.filter((id) => own.includes(id)));
          // Every reply after the message it answers, whatever the clocks said.
          list.forEach((m, i) => {
            if (m.replyTo === undefined) return;
            const target = list.findIndex((x) => x.id === m.replyTo);
            if (maxEntries === undefined) expect(target).toBeGreaterThanOrEqual(0);
            expect(target).toBeLessThan(i); // −1 when the bound dropped it
          });
        }
      });
    }
  },
);
