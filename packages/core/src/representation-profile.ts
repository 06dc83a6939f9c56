/** Header byte 21: how the payload represents reality (PROTOCOL.md §2.2). */
export const RepresentationProfile = {
  Textual: 0x00,
  VoiceMinimal: 0x10,
  VoiceStandard: 0x11,
  VoiceHigh: 0x12,
  VideoLow: 0x20,
  VideoStandard: 0x21,
  VideoHigh: 0x22,
  StreamAsymmetric: 0x30,
  Agent: 0x40,
  Custom: 0xff,
} as const;
export type RepresentationProfile =
  (typeof RepresentationProfile)[keyof typeof RepresentationProfile];

const KNOWN = new Set<number>(Object.values(RepresentationProfile));

/** Parsing never fails: unknown bytes become `Custom` (re-encoded as 0xFF, as the reference does). */
export function representationProfileFromByte(byte: number): RepresentationProfile {
  return KNOWN.has(byte) ? (byte as RepresentationProfile) : RepresentationProfile.Custom;
}

/** True for the profiles the Minimal Survival Profile supports (Textual, VoiceMinimal). */
export function isMspProfile(profile: RepresentationProfile): boolean {
  return (
    profile === RepresentationProfile.Textual || profile === RepresentationProfile.VoiceMinimal
  );
}
