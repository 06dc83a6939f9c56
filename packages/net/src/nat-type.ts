/**
 * The reference's NAT classification (PROTOCOL.md §16, vectors `stun.json` `nat_types`), kept so
 * its names and flags mean the same here. We derive it from RFC 5780 behaviours
 * ({@link natTypeOf}); the reference, which queried two servers that could not be resolved,
 * never produced RestrictedCone or PortRestrictedCone.
 */
export const NatType = {
  NoNat: 'NoNat',
  FullCone: 'FullCone',
  RestrictedCone: 'RestrictedCone',
  PortRestrictedCone: 'PortRestrictedCone',
  Symmetric: 'Symmetric',
  SymmetricPortOnly: 'SymmetricPortOnly',
  Unknown: 'Unknown',
} as const;
export type NatType = (typeof NatType)[keyof typeof NatType];

/** What a NAT type allows: hole punching with STUN, or a relay. */
export interface NatTypeProperties {
  /** A direct path can be opened with STUN-learned addresses (hole punching). */
  readonly stunTraversable: boolean;
  /** Peers need a TURN relay to reach us. */
  readonly requiresTurn: boolean;
}

/**
 * The reference's flags for each type (`stun_traversable`, `requires_turn`).
 *
 * @example
 * natTypeProperties('Symmetric'); // { stunTraversable: false, requiresTurn: true }
 */
export function natTypeProperties(type: NatType): NatTypeProperties {
  switch (type) {
    case 'NoNat':
    case 'FullCone':
    case 'RestrictedCone':
    case 'PortRestrictedCone':
      return { stunTraversable: true, requiresTurn: false };
    case 'Symmetric':
    case 'SymmetricPortOnly':
      return { stunTraversable: false, requiresTurn: true };
    case 'Unknown':
      return { stunTraversable: false, requiresTurn: false };
  }
}

/** RFC 5780 §4.3 mapping and §4.4 filtering behaviours. */
export type NatBehaviourKind =
  'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/**
 * A behaviour as discovered: one of {@link NatBehaviourKind}, or `'unknown'` when the server's
 * answers cannot decide it (an OTHER-ADDRESS on the primary IP, a CHANGE-REQUEST not honoured).
 */
export type NatBehaviourFinding = NatBehaviourKind | 'unknown';

/**
 * The reference's type for RFC 5780 findings: no NAT when the mapped address is our own; an
 * endpoint-independent mapping is a cone named after its filtering; any other mapping is
 * symmetric (`SymmetricPortOnly` when only the port changed between destinations, as the
 * reference defines it). Without both behaviours, or with one `'unknown'`: `Unknown`.
 */
export function natTypeOf(finding: {
  readonly behindNat: boolean;
  readonly mapping?: NatBehaviourFinding | undefined;
  readonly filtering?: NatBehaviourFinding | undefined;
  readonly mappedIpStable?: boolean | undefined;
}): NatType {
  if (!finding.behindNat) return NatType.NoNat;
  if (finding.mapping === undefined || finding.mapping === 'unknown') return NatType.Unknown;
  if (finding.mapping !== 'endpoint-independent')
    return finding.mappedIpStable === true ? NatType.SymmetricPortOnly : NatType.Symmetric;
  switch (finding.filtering) {
    case 'endpoint-independent':
      return NatType.FullCone;
    case 'address-dependent':
      return NatType.RestrictedCone;
    case 'address-and-port-dependent':
      return NatType.PortRestrictedCone;
    default:
      return NatType.Unknown;
  }
}
