import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeVectors, fromHex, propertyRuns, toHex } from '@elara/test-env';
import {
  AUTH_TAG_SIZE,
  FIXED_HEADER_SIZE,
  MIN_FRAME_SIZE,
  BufferTooShortError,
  FrameFlags,
  InvalidWireFormatError,
  MAX_FRAME_SIZE,
  MAX_PAYLOAD_SIZE,
  NO_EXTENSIONS,
  OutOfRangeError,
  TooLargeError,
  UnknownEnumValueError,
  WireVersion,
  decodeExtensions,
  decodeFrame,
  decodeFrameV1,
  encodeExtensions,
  encodeFrame,
  encodeFrameInto,
  extensionsSize,
  fixedHeader,
  frameAssociatedData,
  frameSize,
  hasExtensions,
  nodeId,
  sessionId,
  type Frame,
  type HeaderExtensions,
} from '../../src/index.ts';
import {
  type VectorExtensions,
  type VectorHeader,
  arbExtensions,
  arbHeader,
  expectNamed,
  extensionsFromVector,
  fuzzInput,
  headerFromVector,
  valueOrWireError,
} from './helpers.ts';

interface FrameVectors {
  frame_cases: {
    name: string;
    input: {
      header: VectorHeader;
      extensions: VectorExtensions;
      payload: string;
      auth_tag: string;
    };
    extensions_is_empty: boolean;
    extensions_serialized_size: number;
    extensions_serialize_standalone: string;
    frame_bytes: string;
    frame_size: number;
    associated_data: string;
    parsed: {
      header: VectorHeader;
      extensions: VectorExtensions;
      payload: string;
      auth_tag: string;
    };
  }[];
  extension_parse_cases: {
    name: string;
    bytes: string;
    ok: boolean;
    consumed?: number;
    extensions?: VectorExtensions;
    error?: string;
  }[];
  frame_parse_cases: {
    name: string;
    bytes: string;
    ok: boolean;
    header?: VectorHeader;
    extensions?: VectorExtensions;
    payload?: string;
    auth_tag?: string;
    error?: string;
  }[];
  limits: {
    max_payload_without_extensions: number;
    serialize_ok_at_max: boolean;
    serialize_ok_at_max_plus_1: boolean;
  };
  quirks: { name: string; frame_bytes: string; associated_data: string }[];
}

const header = fixedHeader(sessionId(0x1122), nodeId(0x3344), { version: WireVersion.V1 });
const tag = new Uint8Array(AUTH_TAG_SIZE).fill(0xaa);

function frameOf(input: FrameVectors['frame_cases'][number]['input']): Frame {
  return {
    header: headerFromVector(input.header),
    extensions: extensionsFromVector(input.extensions),
    payload: fromHex(input.payload),
    authTag: fromHex(input.auth_tag),
  };
}

function standalone(ext: HeaderExtensions): Uint8Array {
  const out = new Uint8Array(extensionsSize(ext));
  expect(encodeExtensions(ext, out)).toBe(out.length);
  return out;
}

describeVectors<FrameVectors>('frames.json', (v) => {
  it('builds every reference frame byte for byte (extensions, header_len, EXTENSION flag, AAD)', () => {
    for (const c of v.frame_cases) {
      const frame = frameOf(c.input);
      expect(hasExtensions(frame.extensions), c.name).toBe(!c.extensions_is_empty);
      expect(extensionsSize(frame.extensions), c.name).toBe(c.extensions_serialized_size);
      expect(toHex(standalone(frame.extensions)), c.name).toBe(c.extensions_serialize_standalone);
      expect(toHex(encodeFrame(frame)), c.name).toBe(c.frame_bytes);
      expect(frameSize(frame), c.name).toBe(c.frame_size);
      expect(toHex(frameAssociatedData(frame)), c.name).toBe(c.associated_data);
      const parsed = decodeFrame(fromHex(c.frame_bytes));
      expect(parsed, c.name).toEqual(frameOf(c.parsed));
    }
  });

  it('walks TLV extensions like the reference', () => {
    for (const c of v.extension_parse_cases) {
      const bytes = fromHex(c.bytes);
      if (c.ok) {
        const d = decodeExtensions(bytes);
        expect(d.consumed, c.name).toBe(c.consumed);
        expect(d.extensions, c.name).toEqual(
          extensionsFromVector(c.extensions as VectorExtensions),
        );
      } else {
        expect(c.error).toMatch(/^InvalidWireFormat/);
        expectNamed(() => decodeExtensions(bytes), InvalidWireFormatError);
      }
    }
  });

  it('parses (or rejects) frames like the reference, header_len < 30 included', () => {
    for (const c of v.frame_parse_cases) {
      const bytes = fromHex(c.bytes);
      if (c.ok) {
        const f = decodeFrame(bytes);
        expect(f.header, c.name).toEqual(headerFromVector(c.header as VectorHeader));
        expect(f.extensions, c.name).toEqual(
          extensionsFromVector(c.extensions as VectorExtensions),
        );
        expect(toHex(f.payload), c.name).toBe(c.payload);
        expect(toHex(f.authTag), c.name).toBe(c.auth_tag);
      } else {
        const cls = (c.error as string).startsWith('BufferTooShort')
          ? BufferTooShortError
          : InvalidWireFormatError;
        expectNamed(() => decodeFrame(bytes), cls);
        const v1 = bytes.slice();
        v1[0] = 0x10;
        expectNamed(() => decodeFrameV1(v1), cls);
      }
    }
  });

  it('v1 rejects header_len < 30 (frame_parse_cases › header_len_below_30: the reference accepts it)', () => {
    const c = v.frame_parse_cases.find((x) => x.name === 'header_len_below_30');
    expect(c?.ok).toBe(true);
    const bytes = fromHex(c?.bytes ?? '');
    expect(decodeFrame(bytes).payload.length).toBe(bytes.length - 16 - 20); // overlaps the header
    bytes[0] = 0x10; // same frame as version 1
    expectNamed(() => decodeFrameV1(bytes), InvalidWireFormatError);
  });

  it('v1 rejects the version nibble 0 the reference would take', () => {
    const c = v.frame_parse_cases.find((x) => x.name === 'good_minimal_plus_2_payload');
    const bytes = fromHex(c?.bytes ?? '');
    expect(decodeFrame(bytes).payload.length).toBe(2);
    expectNamed(() => decodeFrameV1(bytes), UnknownEnumValueError);
    bytes[0] = 0x10;
    expect(toHex(decodeFrameV1(bytes).payload)).toBe('0909');
  });

  it('has the reference size limit', () => {
    expect(v.limits.max_payload_without_extensions).toBe(MAX_PAYLOAD_SIZE);
    const at = (n: number): Frame => ({
      header,
      extensions: NO_EXTENSIONS,
      payload: new Uint8Array(n),
      authTag: tag,
    });
    expect(encodeFrame(at(MAX_PAYLOAD_SIZE)).length).toBe(MAX_FRAME_SIZE);
    expectNamed(() => encodeFrame(at(MAX_PAYLOAD_SIZE + 1)), TooLargeError);
    expectNamed(
      () => encodeFrameInto(at(MAX_PAYLOAD_SIZE + 1), new Uint8Array(2000)),
      TooLargeError,
    );
  });

  it('keeps a caller-set EXTENSION flag without extensions (quirks)', () => {
    for (const q of v.quirks) {
      const flagged: Frame = {
        header: fixedHeader(sessionId(1), nodeId(2), { flags: FrameFlags.Extension, headerLen: 7 }),
        extensions: NO_EXTENSIONS,
        payload: Uint8Array.of(7),
        authTag: new Uint8Array(16),
      };
      expect(toHex(encodeFrame(flagged)), q.name).toBe(q.frame_bytes);
      expect(toHex(frameAssociatedData(flagged)), q.name).toBe(q.associated_data);
    }
  });
});

describeVectors<{ wire_constants: Record<string, number> }>('enums.json', (v) => {
  it('has the reference wire constants', () => {
    const c = v.wire_constants;
    expect(FIXED_HEADER_SIZE).toBe(c['FIXED_HEADER_SIZE']);
    expect(AUTH_TAG_SIZE).toBe(c['AUTH_TAG_SIZE']);
    expect(MIN_FRAME_SIZE).toBe(c['MIN_FRAME_SIZE']);
    expect(MAX_FRAME_SIZE).toBe(c['MAX_FRAME_SIZE']);
    expect(WireVersion.V0).toBe(c['WIRE_VERSION']);
  });
});

describe('frames', () => {
  it('rejects CausalityRef over 255 bytes instead of writing a truncated length (PROTOCOL.md §6)', () => {
    const f: Frame = {
      header,
      extensions: { causalityRef: new Uint8Array(256) },
      payload: new Uint8Array(0),
      authTag: tag,
    };
    expectNamed(() => encodeFrame(f), TooLargeError);
    expectNamed(() => encodeExtensions(f.extensions, new Uint8Array(600)), TooLargeError);
    expect(encodeFrame({ ...f, extensions: { causalityRef: new Uint8Array(255) } }).length).toBe(
      30 + 258 + 16,
    );
  });

  it('refuses an interestMask that is not a u64 bigint by name', () => {
    for (const interestMask of [5 as unknown as bigint, -1n, 2n ** 64n]) {
      expectNamed(() => encodeExtensions({ interestMask }, new Uint8Array(32)), OutOfRangeError);
    }
  });

  it('checks the tag length and the target size', () => {
    const f: Frame = {
      header,
      extensions: NO_EXTENSIONS,
      payload: new Uint8Array(4),
      authTag: tag,
    };
    expectNamed(() => encodeFrame({ ...f, authTag: new Uint8Array(15) }), OutOfRangeError);
    expectNamed(() => encodeFrameInto(f, new Uint8Array(49)), BufferTooShortError);
    expect(encodeFrameInto(f, new Uint8Array(60), 10)).toBe(60);
  });

  it('parses without copying: payload and tag are views of the input', () => {
    const bytes = encodeFrame({
      header,
      extensions: NO_EXTENSIONS,
      payload: new Uint8Array(1024).fill(7),
      authTag: tag,
    });
    const f = decodeFrameV1(bytes);
    expect(f.payload.buffer).toBe(bytes.buffer);
    expect(f.payload.byteOffset).toBe(30);
    expect(f.authTag.buffer).toBe(bytes.buffer);
    bytes[100] = 1; // the view sees later changes: it is only valid while the input is
    expect(f.payload[70]).toBe(1);
  });

  it('v1 rejects extension bytes without the flag, leftovers in the TLV area, and oversize frames', () => {
    const withExt = encodeFrame({
      header,
      extensions: { keyEpoch: 3 },
      payload: new Uint8Array(2),
      authTag: tag,
    });
    expect(decodeFrameV1(withExt).extensions).toEqual({ keyEpoch: 3 });
    const noFlag = withExt.slice();
    noFlag[1] = 0;
    expect(decodeFrame(noFlag).extensions).toEqual({}); // v0 skips those bytes silently
    expectNamed(() => decodeFrameV1(noFlag), InvalidWireFormatError);
    const dangling = withExt.slice();
    dangling[30 + 4] = 0x04; // End marker becomes a dangling type byte
    expect(decodeFrame(dangling).extensions).toEqual({ keyEpoch: 3 });
    expectNamed(() => decodeFrameV1(dangling), InvalidWireFormatError);
    expectNamed(() => decodeFrameV1(new Uint8Array(MAX_FRAME_SIZE + 1)), TooLargeError);
  });

  const arbFrame: fc.Arbitrary<Frame> = fc
    .record({
      header: arbHeader,
      extensions: arbExtensions,
      payload: fc.uint8Array({ maxLength: 300 }),
      authTag: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    })
    .filter((f) => frameSize(f) <= MAX_FRAME_SIZE);

  it('round-trips every valid frame (headerLen and the EXTENSION flag as encoded)', () => {
    fc.assert(
      fc.property(arbFrame, (f) => {
        const bytes = encodeFrame(f);
        expect(bytes.length).toBe(frameSize(f));
        const d = decodeFrame(bytes);
        const ext = hasExtensions(f.extensions);
        expect(d.header).toEqual({
          ...f.header,
          headerLen: 30 + (ext ? extensionsSize(f.extensions) : 0),
          flags: ext ? f.header.flags | FrameFlags.Extension : f.header.flags,
        });
        expect(d.extensions).toEqual(ext ? f.extensions : NO_EXTENSIONS);
        expect(d.payload).toEqual(f.payload);
        expect(d.authTag).toEqual(f.authTag);
        if (f.header.version === 1 && f.header.suite === 0) expect(decodeFrameV1(bytes)).toEqual(d);
      }),
      { numRuns: propertyRuns(1000, 10_000) },
    );
  });

  it('round-trips every extension set alone', () => {
    fc.assert(
      fc.property(arbExtensions, (e) => {
        const bytes = standalone(e);
        expect(decodeExtensions(bytes)).toEqual({
          extensions: hasExtensions(e) ? e : NO_EXTENSIONS,
          consumed: bytes.length,
        });
      }),
      { numRuns: propertyRuns(1000, 10_000) },
    );
  });

  it('random and mutated bytes give a frame or a named error, and views stay inside the input', () => {
    const valid = arbFrame.map((f) => encodeFrame(f));
    fc.assert(
      fc.property(fuzzInput(valid, 120), (bytes) => {
        for (const decode of [decodeFrame, decodeFrameV1]) {
          const f = valueOrWireError(() => decode(bytes));
          if (f === undefined) continue;
          expect(f.authTag.length).toBe(16);
          expect(f.payload.byteOffset + f.payload.length).toBe(
            bytes.byteOffset + bytes.length - 16,
          );
          expect(f.payload.byteOffset).toBeGreaterThanOrEqual(bytes.byteOffset);
        }
        valueOrWireError(() => decodeExtensions(bytes));
      }),
      { numRuns: propertyRuns(5000, 100_000) },
    );
  });
});
