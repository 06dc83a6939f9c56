import { LinkModel, Prng, stationaryLoss, type LinkConfig } from '@elara/core/sim';

/** What one simulated link did to a stream of datagrams. */
export interface LinkReport {
  readonly sent: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly lossRate: number;
  readonly expectedLossRate: number;
  readonly meanDelayMs: number;
  readonly reordered: number;
}

/** Sends `count` datagrams, one per `spacingUs`, through a link and measures the outcome. */
export function measureLink(
  config: LinkConfig,
  seed: number,
  count: number,
  spacingUs = 20_000,
): LinkReport {
  const link = new LinkModel(config, new Prng(seed));
  let delaySum = 0;
  let delivered = 0;
  let reordered = 0;
  let lastArrival = -Infinity;
  for (let i = 0; i < count; i++) {
    const sent = i * spacingUs;
    for (const arrival of link.transmit(sent, 200)) {
      delaySum += arrival - sent;
      delivered++;
      if (arrival < lastArrival) reordered++;
      lastArrival = Math.max(lastArrival, arrival);
    }
  }
  return {
    sent: count,
    lost: link.stats.lost,
    duplicated: link.stats.duplicated,
    lossRate: link.stats.lost / count,
    expectedLossRate: stationaryLoss(config.loss ?? { model: 'none' }),
    meanDelayMs: delaySum / Math.max(1, delivered) / 1000,
    reordered,
  };
}
