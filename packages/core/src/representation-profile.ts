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

// A 256-entry table: header decoding runs this per packet, and a Set lookup costs more.
const BY_BYTE = new Uint8Array(256).fill(RepresentationProfile.Custom);
for (const p of Object.values(RepresentationProfile)) BY_BYTE[p] = p;

/** Parsing never fails: unknown bytes become `Custom` (re-encoded as 0xFF, as the reference does). */
export function representationProfileFromByte(byte: number): RepresentationProfile {
  return (BY_BYTE[byte] ?? RepresentationProfile.Custom) as RepresentationProfile;
}

/** True for the profiles the Minimal Survival Profile supports (Textual, VoiceMinimal). */
export function isMspProfile(profile: RepresentationProfile): boolean {
  return (
    profile === RepresentationProfile.Textual || profile === RepresentationProfile.VoiceMinimal
  );
}
