import { RepresentationProfile } from '@elara/core';

/**
 * The bounds of the horizons for one representation profile, and the frame interval its loss
 * term counts in. All µs.
 */
export interface HorizonRange {
  readonly hpMinUs: number;
  readonly hpMaxUs: number;
  readonly hcMinUs: number;
  readonly hcMaxUs: number;
  /**
   * Nominal time between frames (updates) of this representation: a run of `n` lost packets
   * leaves a gap of about `n` frames for prediction to bridge.
   */
  readonly frameIntervalUs: number;
}

const ms = 1_000;

function range(hp: [number, number], hc: [number, number], frameMs: number): HorizonRange {
  return {
    hpMinUs: hp[0] * ms,
    hpMaxUs: hp[1] * ms,
    hcMinUs: hc[0] * ms,
    hcMaxUs: hc[1] * ms,
    frameIntervalUs: Math.round(frameMs * ms),
  };
}

/**
 * Horizon ranges per profile (README "Horizons" gives the reasons). `Custom` keeps the
 * reference's `TimeEngineConfig::default()` (Hp 40–300 ms, Hc 80–600 ms), which the reference
 * used for everything; `VoiceMinimal`, the MSP voice profile it was tuned for, keeps it too.
 * Hc maxima leave room for the one-way transit, which every event spends before it is
 * classified now that τs is shared across the session.
 */
export const PROFILE_HORIZONS: Readonly<Record<RepresentationProfile, HorizonRange>> = {
  [RepresentationProfile.Textual]: range([100, 500], [1_000, 10_000], 100),
  [RepresentationProfile.VoiceMinimal]: range([40, 300], [80, 600], 10),
  [RepresentationProfile.VoiceStandard]: range([40, 200], [80, 600], 20),
  [RepresentationProfile.VoiceHigh]: range([30, 150], [60, 500], 20),
  [RepresentationProfile.VideoLow]: range([60, 400], [100, 800], 1000 / 15),
  [RepresentationProfile.VideoStandard]: range([50, 300], [100, 700], 1000 / 30),
  [RepresentationProfile.VideoHigh]: range([40, 250], [80, 600], 1000 / 60),
  [RepresentationProfile.StreamAsymmetric]: range([100, 1_000], [200, 3_000], 1000 / 30),
  [RepresentationProfile.Agent]: range([50, 500], [100, 2_000], 50),
  [RepresentationProfile.Custom]: range([40, 300], [80, 600], 20),
};

/** Every profile of core's enum, in the order of {@link PROFILE_HORIZONS}. */
export const HORIZON_PROFILES: readonly RepresentationProfile[] =
  Object.values(RepresentationProfile);
