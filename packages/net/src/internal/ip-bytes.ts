// IP literals to network-order bytes and back, without node:net, so the STUN codec (XOR address
// attributes) stays portable. IPv6 is printed as RFC 5952 says (and as the OS prints it): lower
// case, no leading zeros, the longest run of two or more zero groups shortened to "::", and
// IPv4-mapped addresses as ::ffff:a.b.c.d.

function ipv4Bytes(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return false;
    const v = Number(p);
    if (v > 255) return false;
    out[at + i] = v;
  }
  return true;
}

function groups(text: string): number[] | undefined {
  if (text === '') return [];
  const out: number[] = [];
  for (const g of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out.push(Number.parseInt(g, 16));
  }
  return out;
}

/** The 4 or 16 bytes of an IP literal, or `undefined` when it is not one (zones refused). */
export function ipToBytes(address: string): Uint8Array | undefined {
  if (!address.includes(':')) {
    const b = new Uint8Array(4);
    return ipv4Bytes(address, b, 0) ? b : undefined;
  }
  const out = new Uint8Array(16);
  let text = address;
  let written = 8;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // A dotted tail (::ffff:1.2.3.4) fills the last 4 bytes; parse the rest as if it were 0:0.
    if (!ipv4Bytes(text.slice(lastColon + 1), out, 12)) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
    written = 6;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groups(halves[0] as string);
  const rest = halves.length === 2 ? groups(halves[1] as string) : [];
  if (head === undefined || rest === undefined) return undefined;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  for (let i = 0; i < written; i++) {
    out[2 * i] = (all[i] as number) >> 8;
    out[2 * i + 1] = (all[i] as number) & 0xff;
  }
  return out;
}

/** True when `address` is an IP literal of `family` (portable: the simulation has no node:net). */
export function isIpLiteral(address: string, family: 'IPv4' | 'IPv6'): boolean {
  return ipToBytes(address)?.byteLength === (family === 'IPv6' ? 16 : 4);
}

/** The literal of 4 (IPv4) or 16 (IPv6) network-order bytes. */
export function bytesToIp(b: Uint8Array): string {
  if (b.byteLength === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[2 * i] as number) << 8) | (b[2 * i + 1] as number));
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}
