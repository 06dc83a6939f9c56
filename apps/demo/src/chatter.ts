import type { Prng } from '@elara/core/sim';
import { PresenceStatus } from '@elara/streams';
import type { Member } from './demo-session.ts';

/** The stream every member chats in. */
export const CHAT = 'general';

const WORDS = ['hello', 'the link holds', 'any news?', 'on my way', 'sounds good', 'ack', 'ping'];
const REACTION_CHANCE = 0.15;
const STATUS_CHANCE = 0.02;

/**
 * The members' chat, one step at a time: each member starts `rate × step` messages a step on
 * average (the whole part every step, one more with the fraction as probability: above one
 * message a step, several), typing while it composes them, and sends them the step after
 * (typing stops); now and then it reacts to a message it sees or changes its presence status
 * between online and away. Every draw comes from the seed, so on SimNetwork a run replays
 * exactly.
 */
export class Chatter {
  /** Ids (as text) of every message sent: what every node's log must end up holding. */
  readonly sent = new Set<string>();
  /** Reactions written. */
  reactions = 0;
  /** Presence status changes written. */
  statusChanges = 0;

  /** Messages each member is composing, sent the next step. */
  private readonly composing: number[];
  private readonly away: boolean[];
  private readonly counts: number[];

  constructor(
    private readonly members: readonly Member[],
    /** Messages per second per member, on average. */
    private readonly rate: number,
    private readonly rng: Prng,
  ) {
    this.composing = members.map(() => 0);
    this.away = members.map(() => false);
    this.counts = members.map(() => 0);
  }

  /** One step of `stepUs`: what each member writes now. */
  step(stepUs: number): void {
    const expected = (this.rate * stepUs) / 1e6;
    const whole = Math.floor(expected);
    const p = Math.min(1, expected);
    for (const [i, m] of this.members.entries()) {
      const text = m.session.text(CHAT);
      const composed = this.composing[i] ?? 0;
      if (composed > 0) {
        this.composing[i] = 0;
        m.session.typing(CHAT).stop();
        for (let n = 0; n < composed; n++) {
          const k = ++(this.counts[i] as number);
          const words = WORDS[this.rng.int(0, WORDS.length - 1)] as string;
          this.sent.add(String(text.send(`${m.name} #${k}: ${words}`)));
        }
      }
      const starts = whole + (this.rng.chance(expected - whole) ? 1 : 0);
      if (starts > 0) {
        this.composing[i] = starts;
        m.session.typing(CHAT).start();
      }
      if (this.rng.chance(REACTION_CHANCE * p)) this.react(m);
      if (this.rng.chance(STATUS_CHANCE * p)) {
        this.away[i] = this.away[i] !== true;
        m.session
          .presence()
          .update({ status: this.away[i] ? PresenceStatus.Away : PresenceStatus.Online });
        this.statusChanges++;
      }
    }
  }

  /** Stops every member typing; messages still being composed are dropped unsent. */
  finish(): void {
    for (const [i, m] of this.members.entries()) {
      if ((this.composing[i] ?? 0) > 0) m.session.typing(CHAT).stop();
      this.composing[i] = 0;
    }
  }

  private react(m: Member): void {
    const text = m.session.text(CHAT);
    const visible = text.messages().filter((msg) => !msg.deleted);
    if (visible.length === 0) return;
    const target = visible[this.rng.int(0, visible.length - 1)];
    if (target !== undefined && text.react(target.id, '👍')) this.reactions++;
  }
}
