import { type HeaderExtensions, PacketClass } from '@elara/core';

/** `crypto.json` as far as the v0 suites read it. */
export interface V0Vectors {
  aead: { key: string; nonce: string; aad: string; plaintext: string; ciphertext_and_tag: string };
  derive_nonce: { class: string; node_id: string; seq: number; nonce: string }[];
  class_ratchets: {
    class: string;
    root_key: string;
    first_keys: KeyAt[];
    at_frequency_minus_1: KeyAt;
    after_frequency_messages: KeyAt;
    epoch1_count0_key: string;
    epoch2_count0_key: string;
  }[];
  secure_frames: {
    session_id: { dec: string };
    sender_node_id: number;
    session_key: string;
    encrypt_sequence: {
      class: string;
      profile: number;
      time_hint: number;
      extensions: Record<string, unknown>;
      plaintext: string;
      frame: string;
      frame_len: number;
    }[];
    receiver_in_order: { frame_index: number; ok: boolean; plaintext?: string; error?: string }[];
    receiver_out_of_order_1_0_0_1: { frame_index: number; ok: boolean; error?: string }[];
    wrong_session_error: string;
  };
  runtime_secure_event_frame: {
    session_id: { dec: string };
    node_id: string;
    session_key: string;
    event: { time_intent_offset: number };
    event_block_plaintext: string;
    frame: string;
    frame_parse_payload_field: string;
    frame_parse_auth_tag_field: string;
  };
}

export interface KeyAt {
  epoch: number;
  message_count: number;
  message_key: string;
}

/** The class named as in the vectors (`"Core"`, ...). */
export function classNamed(name: string): PacketClass {
  const value = (PacketClass as Record<string, PacketClass | undefined>)[name];
  if (value === undefined) throw new Error(`unknown class ${name}`);
  return value;
}

const NUMERIC: Record<string, keyof HeaderExtensions> = {
  ratchet_id: 'ratchetId',
  key_epoch: 'keyEpoch',
  relay_hop: 'relayHop',
  redundancy_group: 'redundancyGroup',
  compression_hint: 'compressionHint',
  path_id: 'pathId',
  priority_hint: 'priorityHint',
};

/** The vectors' extension object as core's `HeaderExtensions` (only the fields crypto.json uses). */
export function extensionsFrom(json: Record<string, unknown>): HeaderExtensions {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(json)) {
    if (value === null) continue;
    const field = NUMERIC[name];
    if (field === undefined || typeof value !== 'number') throw new Error(`unsupported ${name}`);
    out[field] = value;
  }
  return out;
}
