import { nodeId } from '@elara/core';
import { Identity, nativeCryptoProvider } from '@elara/crypto';
import { SimNetwork } from '@elara/net';
import { simWorld } from '@elara/testkit';
import { describe, expect, it } from 'vitest';
import {
  NODE_CONFIG_DEFAULTS,
  Node,
  type NodeConfig,
  NodeConfigError,
  resolveNodeConfig,
} from '../src/index.ts';

function fieldOf(config: unknown): string | undefined {
  try {
    resolveNodeConfig(config as NodeConfig);
    return undefined;
  } catch (e) {
    expect(NodeConfigError.isInstance(e)).toBe(true);
    return (e as NodeConfigError).field;
  }
}

describe('NodeConfig', () => {
  it('fills in the defaults', () => {
    const c = resolveNodeConfig();
    expect(c.bindAddr).toEqual({ family: 'IPv4', address: '127.0.0.1', port: 0 });
    expect(c.maxPeers).toBe(NODE_CONFIG_DEFAULTS.maxPeers);
    expect(c.eventBufferSize).toBe(1024);
    expect(c.predictionEntropy).toBe(0.5);
    expect(c.degradation).toEqual({ initial: 0, floor: 5 });
    expect(c.tickIntervalUs).toBe(20_000);
    expect(c.heartbeatIntervalUs).toBe(1_000_000);
    expect(c.peerTimeoutUs).toBe(10_000_000);
    expect(c.limits.maxSessions).toBe(16);
    expect(c.limits.reassembly.maxOpenMessages).toBe(64);
    expect(c.limits.responder.maxHandshakes).toBe(4096);
    expect(c.limits.initiator.maxAttempts).toBe(5);
    expect(c.stunServers).toEqual([]);
    // Repair, dialling and relay bounds: what were constants, with the same values.
    expect(c.limits.maxGapAhead).toBe(255 * 1024);
    expect(c.limits.maxGapTries).toBe(8);
    expect(c.limits.repairAnswerRate).toBe(20);
    expect(c.limits.repairAnswerBurst).toBe(40);
    expect(c.limits.relayPermissions).toBe(256);
    expect(c.digestIntervalUs).toBe(4 * c.heartbeatIntervalUs);
    expect(c.dialRetryCeilingUs).toBe(4 * c.peerTimeoutUs);
    expect(c.directProbeIntervalUs).toBe(5_000_000);
    expect(c.directProbeCeilingUs).toBe(60_000_000);
  });

  it('takes a direct-path probe interval of 0 (never), and a ceiling at least the interval', () => {
    expect(resolveNodeConfig({ directProbeIntervalUs: 0 }).directProbeIntervalUs).toBe(0);
    // A slow tick does not make the default invalid (probes then go at the tick).
    const slow = {
      tickIntervalUs: 10_000_000,
      heartbeatIntervalUs: 10_000_000,
      peerTimeoutUs: 20_000_000,
    };
    expect(resolveNodeConfig(slow).directProbeIntervalUs).toBe(5_000_000);
    const long = resolveNodeConfig({ directProbeIntervalUs: 120_000_000 });
    expect(long.directProbeCeilingUs).toBe(120_000_000);
    const given = resolveNodeConfig({
      directProbeIntervalUs: 1_000_000,
      directProbeCeilingUs: 8_000_000,
    });
    expect([given.directProbeIntervalUs, given.directProbeCeilingUs]).toEqual([
      1_000_000, 8_000_000,
    ]);
  });

  it('derives the digest and dial ceilings from the heartbeat and timeout given', () => {
    const c = resolveNodeConfig({ heartbeatIntervalUs: 250_000, peerTimeoutUs: 3_000_000 });
    expect(c.digestIntervalUs).toBe(1_000_000);
    expect(c.dialRetryCeilingUs).toBe(12_000_000);
  });

  it('keeps what is given', () => {
    const c = resolveNodeConfig({
      bindAddr: '[::1]:4433',
      maxPeers: 8,
      tickIntervalUs: 5_000,
      limits: { reassembly: { timeoutUs: 500_000 }, initiator: { maxAttempts: 2 } },
      stunServers: ['stun.example.org:3478'],
      turnServers: [{ server: '192.0.2.1:3478', username: 'u', password: 'p' }],
    });
    expect(c.bindAddr).toEqual({ family: 'IPv6', address: '::1', port: 4433 });
    expect(c.limits.reassembly.timeoutUs).toBe(500_000);
    expect(c.limits.reassembly.maxOpenMessages).toBe(64);
    expect(c.limits.initiator).toEqual({ retryIntervalUs: 1_000_000, maxAttempts: 2 });
    const bounds = resolveNodeConfig({
      digestIntervalUs: 3_000_000,
      dialRetryCeilingUs: 60_000_000,
      limits: {
        maxGapAhead: 100,
        maxGapTries: 3,
        repairAnswerRate: 5,
        repairAnswerBurst: 7,
        relayPermissions: 16,
      },
    });
    expect(bounds.digestIntervalUs).toBe(3_000_000);
    expect(bounds.dialRetryCeilingUs).toBe(60_000_000);
    expect(bounds.limits).toMatchObject({
      maxGapAhead: 100,
      maxGapTries: 3,
      repairAnswerRate: 5,
      repairAnswerBurst: 7,
      relayPermissions: 16,
    });
  });

  it.each<[string, unknown]>([
    ['config', 42],
    ['maxPeers', { maxPeers: 0 }],
    ['maxPeers', { maxPeers: 1.5 }],
    ['eventBufferSize', { eventBufferSize: -1 }],
    ['predictionEntropy', { predictionEntropy: 2 }],
    ['predictionEntropy', { predictionEntropy: Number.NaN }],
    ['degradation.floor', { degradation: { floor: 9 } }],
    ['degradation.initial', { degradation: { initial: 4, floor: 2 } }],
    ['tickIntervalUs', { tickIntervalUs: 10 }],
    ['heartbeatIntervalUs', { tickIntervalUs: 50_000, heartbeatIntervalUs: 10_000 }],
    ['peerTimeoutUs', { heartbeatIntervalUs: 1_000_000, peerTimeoutUs: 1_500_000 }],
    ['inviteLifetimeUs', { inviteLifetimeUs: 0 }],
    ['bindAddr', { bindAddr: 'localhost:80' }],
    ['bindAddr', { bindAddr: { family: 'IPv4', address: '::1', port: 1 } }],
    ['bindAddr.port', { bindAddr: { family: 'IPv4', address: '127.0.0.1', port: 70_000 } }],
    ['advertisedAddresses', { advertisedAddresses: 'x' }],
    ['advertisedAddresses[0]', { advertisedAddresses: ['not an address'] }],
    ['stunServers', { stunServers: 'stun:3478' }],
    ['stunServers[1]', { stunServers: ['a.example:1', 'no port'] }],
    ['turnServers[0]', { turnServers: [{ server: '192.0.2.1:3478' }] }],
    ['turnServers[0].server', { turnServers: [{ server: 'x', username: 'u', password: 'p' }] }],
    ['nodeId', { nodeId: 5n }],
    ['nodeId', { nodeId: 5, identity: new Uint8Array(109) }],
    ['identity', { identity: 'secret' }],
    ['transport', { transport: {} }],
    ['scheduler', { scheduler: { now: () => 0 } }],
    ['crypto', { crypto: {} }],
    ['limits.maxSessions', { limits: { maxSessions: 0 } }],
    ['limits.maxPendingHandshakes', { limits: { maxPendingHandshakes: -3 } }],
    ['limits.maxDatagramSize', { limits: { maxDatagramSize: 1401 } }],
    ['limits.maxDatagramSize', { limits: { maxDatagramSize: 40 } }],
    ['limits.sendQueueLength', { limits: { sendQueueLength: 0 } }],
    ['limits.reassembly.timeoutUs', { limits: { reassembly: { timeoutUs: -1 } } }],
    ['limits.reassembly', { limits: { reassembly: 7 } }],
    ['limits.responder.maxHandshakes', { limits: { responder: { maxHandshakes: 0 } } }],
    ['limits.initiator.maxAttempts', { limits: { initiator: { maxAttempts: 0.5 } } }],
    ['digestIntervalUs', { heartbeatIntervalUs: 1_000_000, digestIntervalUs: 999_999 }],
    ['digestIntervalUs', { digestIntervalUs: '4s' }],
    ['dialRetryCeilingUs', { peerTimeoutUs: 5_000_000, dialRetryCeilingUs: 4_000_000 }],
    ['dialRetryCeilingUs', { dialRetryCeilingUs: Number.POSITIVE_INFINITY }],
    ['directProbeIntervalUs', { directProbeIntervalUs: 999 }],
    ['directProbeIntervalUs', { directProbeIntervalUs: -1 }],
    ['directProbeIntervalUs', { directProbeIntervalUs: '5s' }],
    ['directProbeCeilingUs', { directProbeIntervalUs: 2_000_000, directProbeCeilingUs: 1_000_000 }],
    ['directProbeCeilingUs', { directProbeCeilingUs: 1.5e6 + 0.5 }],
    ['limits.maxGapAhead', { limits: { maxGapAhead: 0 } }],
    ['limits.maxGapAhead', { limits: { maxGapAhead: 255 * 1024 + 1 } }],
    ['limits.maxGapTries', { limits: { maxGapTries: 0 } }],
    ['limits.maxGapTries', { limits: { maxGapTries: 2.5 } }],
    ['limits.repairAnswerRate', { limits: { repairAnswerRate: -1 } }],
    ['limits.repairAnswerBurst', { limits: { repairAnswerBurst: Number.NaN } }],
    ['limits.relayPermissions', { limits: { relayPermissions: 0 } }],
    // Records that are not objects, and keys no record has (a typo is not silently ignored).
    ['limits', { limits: 5 }],
    ['limits', { limits: [] }],
    ['limits.maxSession', { limits: { maxSession: 3 } }],
    ['limits.responder.bogus', { limits: { responder: { bogus: 5 } } }],
    ['limits.field.toString', { limits: { field: { toString: 1 } } }],
    ['degradation', { degradation: 'x' }],
    ['degradation.flor', { degradation: { flor: 2 } }],
    // What an invite can carry: at least one address, at most eight, none on port 0.
    ['advertisedAddresses', { advertisedAddresses: [] }],
    [
      'advertisedAddresses',
      { advertisedAddresses: Array.from({ length: 9 }, (_, i) => `192.0.2.${i + 1}:4433`) },
    ],
    ['advertisedAddresses[0].port', { advertisedAddresses: ['192.0.2.1:0'] }],
    // The tick repeats presence every third of its timeout: it needs three ticks.
    ['streams.presence.timeoutUs', { streams: { presence: { timeoutUs: 1_000 } } }],
    [
      'streams.presence.timeoutUs',
      { tickIntervalUs: 100_000, streams: { presence: { timeoutUs: 250_000 } } },
    ],
  ])('refuses a bad %s with a NodeConfigError naming it', (field, config) => {
    expect(fieldOf(config)).toBe(field);
  });

  it('refuses bindAddr beside an injected transport', () => {
    const world = simWorld(1);
    const net = new SimNetwork({ scheduler: world.scheduler, seed: 1 });
    expect(fieldOf({ transport: net.bind(), bindAddr: '127.0.0.1:0' })).toBe('bindAddr');
  });
});

describe('Node.create with a given identity', () => {
  const world = simWorld(2);
  const net = new SimNetwork({ scheduler: world.scheduler, seed: 2 });
  const crypto = nativeCryptoProvider({ random: world.rng });
  const base = { scheduler: world.scheduler, crypto };

  it('takes an Identity or its exported bytes, and checks nodeId against it', async () => {
    const identity = Identity.generate(crypto);
    const a = await Node.create({ ...base, transport: net.bind(), identity });
    expect(a.nodeId).toBe(identity.nodeId);
    await a.stop();
    // The node did not create it, so it did not dispose it.
    expect(identity.disposed).toBe(false);
    const b = await Node.create({
      ...base,
      transport: net.bind(),
      identity: identity.export(),
      nodeId: identity.nodeId,
    });
    expect(b.nodeId).toBe(identity.nodeId);
    await b.stop();
    expect(b.identity.disposed).toBe(true);
    await expect(
      Node.create({
        ...base,
        transport: net.bind(),
        identity,
        nodeId: nodeId(identity.nodeId + 1n),
      }),
    ).rejects.toMatchObject({ field: 'nodeId' });
    await expect(
      Node.create({ ...base, transport: net.bind(), identity: new Uint8Array(109) }),
    ).rejects.toMatchObject({ field: 'identity' });
  });

  it('refuses responder limits crypto finds inconsistent, naming them', async () => {
    await expect(
      Node.create({
        ...base,
        transport: net.bind(),
        limits: { responder: { replayMemoryUs: 1_000_000, cookieBucketUs: 5_000_000 } },
      }),
    ).rejects.toMatchObject({ field: 'limits.responder' });
  });
});
