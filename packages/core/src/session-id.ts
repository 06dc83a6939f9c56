import { toU64, u64FromHex, u64ToHex } from './u64.ts';

declare const sessionIdBrand: unique symbol;

/** A session's 64-bit identifier, chosen by its creator (random in the runtime). 8 bytes LE. */
export type SessionId = bigint & { readonly [sessionIdBrand]: 'SessionId' };

/** Checks and brands a value as a {@link SessionId}. */
export function sessionId(value: bigint | number): SessionId {
  return toU64(value, 'SessionId') as SessionId;
}

/** `0x` + 16 hex digits. */
export function sessionIdToHex(id: SessionId): string {
  return u64ToHex(id);
}

/** Parses the hex form. */
export function sessionIdFromHex(text: string): SessionId {
  return u64FromHex(text, 'SessionId') as SessionId;
}

/** A short display form: the first 8 hex digits, enough to tell sessions apart in logs. */
export function formatSessionId(id: SessionId): string {
  return u64ToHex(id).slice(2, 10);
}
