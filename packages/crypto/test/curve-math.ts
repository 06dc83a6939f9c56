// Slow, obviously-correct BigInt arithmetic on edwards25519 and curve25519, used only to check
// the providers' constants (small-order points, the group order) independently of any library.

/** The field prime 2^255 − 19. */
export const P = 2n ** 255n - 19n;
/** The order of the Ed25519 base point. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

export function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = mod(result * b);
    b = mod(b * b);
  }
  return result;
}

export function inv(a: bigint): bigint {
  return pow(a, P - 2n);
}

/** The edwards25519 constant d = −121665 / 121666. */
export const D = mod(-121665n * inv(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** A square root mod p, or undefined when `a` is not a square. */
export function sqrt(a: bigint): bigint | undefined {
  const r = pow(a, (P + 3n) / 8n);
  if (mod(r * r) === mod(a)) return r;
  const r2 = mod(r * SQRT_M1);
  return mod(r2 * r2) === mod(a) ? r2 : undefined;
}

export interface Point {
  readonly x: bigint;
  readonly y: bigint;
}

/** The x values of the edwards25519 points with this y (none, one or two). */
export function pointsWithY(y: bigint): Point[] {
  const x2 = mod((y * y - 1n) * inv(D * y * y + 1n));
  const x = sqrt(x2);
  if (x === undefined) return [];
  return x === 0n
    ? [{ x, y }]
    : [
        { x, y },
        { x: P - x, y },
      ];
}

/** Affine point addition on −x² + y² = 1 + d·x²·y². */
export function add(a: Point, b: Point): Point {
  const t = mod(D * a.x * b.x * a.y * b.y);
  return {
    x: mod((a.x * b.y + a.y * b.x) * inv(1n + t)),
    y: mod((a.y * b.y + a.x * b.x) * inv(1n - t)),
  };
}

export function isIdentity(p: Point): boolean {
  return p.x === 0n && p.y === 1n;
}

/** Little-endian 32 bytes of a value below 2^256. */
export function le32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** The value of little-endian bytes. */
export function fromLe(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  return v;
}

/** The Montgomery u coordinate of an Edwards y: u = (1 + y) / (1 − y). */
export function montgomeryU(y: bigint): bigint {
  return mod((1n + y) * inv(1n - y));
}
