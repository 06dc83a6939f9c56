/**
 * Checks for IP address literals, as `parseEndpoint` accepts them. Literals only: no host
 * names, no DNS. Kept apart from the endpoint type so decoders can reuse them.
 */

const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;
const ZONE = /^[0-9A-Za-z_.-]+$/;

/**
 * True for a dotted-quad IPv4 literal: four decimal octets 0..255, without leading zeros
 * (`010` is octal to some parsers and decimal to others, so it is refused).
 */
export function isIPv4Literal(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

/**
 * True for an IPv6 literal (RFC 4291 text forms, without brackets): eight groups of 1–4 hex
 * digits, at most one `::` standing for one or more zero groups, an optional trailing
 * dotted-quad for the last two groups, and an optional `%zone` (RFC 4007), which the
 * operating system reports for link-local addresses.
 */
export function isIPv6Literal(text: string): boolean {
  const zoneAt = text.indexOf('%');
  let address = text;
  if (zoneAt >= 0) {
    if (!ZONE.test(text.slice(zoneAt + 1))) return false;
    address = text.slice(0, zoneAt);
  }
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string): string[] | undefined => {
    if (half === '') return [];
    const g = half.split(':');
    return g.includes('') ? undefined : g;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return false;
  const all = [...head, ...tail];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIPv4Literal(last)) return false;
    all.pop();
    count += 1; // the dotted quad fills two groups
  }
  if (!all.every((g) => HEXTET.test(g))) return false;
  // `::` stands for at least one zero group.
  return halves.length === 2 ? count <= 7 : count === 8;
}
