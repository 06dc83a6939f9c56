import { endpoint, endpointEquals, type Endpoint } from '@elara/core';
import { describe, expect, it } from 'vitest';
import {
  discoverNatBehaviour,
  StunAttr,
  StunTimeoutError,
  type BindingResult,
  type StunClient,
} from '../src/index.ts';

// The decision logic of RFC 5780 discovery, against scripted servers whose answers a real coturn
// on loopback cannot produce (NATs, servers ignoring CHANGE-REQUEST). The real exchange is
// covered by test/network/stun-coturn.test.ts.

const SERVER = endpoint('192.0.2.1', 3478);
const OTHER = endpoint('192.0.2.2', 3479);

interface ScriptedRequest {
  readonly to: Endpoint;
  /** CHANGE-REQUEST flags when the request carried one. */
  readonly change?: { readonly ip: boolean; readonly port: boolean };
}

/** What the scripted server (and the NAT in front of the client) does with one request. */
type Script = (request: ScriptedRequest) => { mapped: Endpoint; from: Endpoint } | 'filtered';

function scriptedStun(local: Endpoint, script: Script): StunClient {
  const client = {
    transport: { localAddress: local },
    binding: (
      to: Endpoint,
      options: { attributes?: { type: number; value: Uint8Array }[] } = {},
    ): Promise<BindingResult> => {
      const attribute = options.attributes?.find((a) => a.type === StunAttr.ChangeRequest);
      const flags = attribute?.value[3] ?? 0;
      const request: ScriptedRequest =
        attribute === undefined
          ? { to }
          : { to, change: { ip: (flags & 0x04) !== 0, port: (flags & 0x02) !== 0 } };
      const answer = script(request);
      if (answer === 'filtered') return Promise.reject(new StunTimeoutError(to, 3));
      return Promise.resolve({ ...answer, otherAddress: OTHER, elapsedUs: 1 });
    },
  };
  return client as unknown as StunClient;
}

/** Where an honest RFC 5780 server answers a request from. */
function honestOrigin(request: ScriptedRequest): Endpoint {
  const ip = request.change?.ip ? OTHER.address : request.to.address;
  const port = request.change?.port
    ? request.to.port === SERVER.port
      ? OTHER.port
      : SERVER.port
    : request.to.port;
  return endpoint(ip, port);
}

describe('discoverNatBehaviour decisions', () => {
  it('an endpoint-independent NAT with an honest server is a full cone', async () => {
    const mapped = endpoint('203.0.113.7', 40000);
    const stun = scriptedStun(endpoint('10.0.0.2', 5000), (r) => ({
      mapped,
      from: honestOrigin(r),
    }));
    const b = await discoverNatBehaviour(stun, SERVER);
    expect(b).toMatchObject({
      behindNat: true,
      mapping: 'endpoint-independent',
      filtering: 'endpoint-independent',
      natType: 'FullCone',
    });
  });

  it('a server answering from an address CHANGE-REQUEST did not ask for makes filtering unknown', async () => {
    const mapped = endpoint('203.0.113.7', 40000);
    // The server ignores CHANGE-REQUEST and always answers from its primary address.
    const stun = scriptedStun(endpoint('10.0.0.2', 5000), (r) => ({
      mapped,
      from: r.to.address === OTHER.address ? r.to : SERVER,
    }));
    const b = await discoverNatBehaviour(stun, SERVER);
    expect(b.filtering).toBe('unknown');
    expect(b.changeRequestHonoured).toEqual({ ipAndPort: false, port: false });
    // Mapping was decided on real evidence; filtering was not, so the type is not guessed.
    expect(b.mapping).toBe('endpoint-independent');
    expect(b.natType).toBe('Unknown');
  });

  it('a port-only answer from the wrong address after a filtered IP change is unknown, not restricted', async () => {
    const mapped = endpoint('203.0.113.7', 40000);
    const stun = scriptedStun(endpoint('10.0.0.2', 5000), (r) => {
      if (r.change?.ip) return 'filtered';
      // Asked to change only the port, the server answers from its other IP as well.
      if (r.change?.port) return { mapped, from: OTHER };
      return { mapped, from: honestOrigin(r) };
    });
    const b = await discoverNatBehaviour(stun, SERVER);
    expect(b.filtering).toBe('unknown');
    expect(b.natType).toBe('Unknown');
  });

  it('filtering decided by timeouts: address-dependent and address-and-port-dependent', async () => {
    const mapped = endpoint('203.0.113.7', 40000);
    const restricted = scriptedStun(endpoint('10.0.0.2', 5000), (r) =>
      r.change?.ip ? 'filtered' : { mapped, from: honestOrigin(r) },
    );
    expect(await discoverNatBehaviour(restricted, SERVER)).toMatchObject({
      filtering: 'address-dependent',
      natType: 'RestrictedCone',
    });
    const portRestricted = scriptedStun(endpoint('10.0.0.2', 5000), (r) =>
      r.change ? 'filtered' : { mapped, from: honestOrigin(r) },
    );
    expect(await discoverNatBehaviour(portRestricted, SERVER)).toMatchObject({
      filtering: 'address-and-port-dependent',
      natType: 'PortRestrictedCone',
    });
  });

  it('an OTHER-ADDRESS with the primary IP leaves mapping unknown', async () => {
    const sameIpOther = endpoint(SERVER.address, 3479);
    const mapped = endpoint('203.0.113.7', 40000);
    const stun = scriptedStun(endpoint('10.0.0.2', 5000), (r) => ({
      mapped,
      from: honestOrigin(r),
    }));
    const client = stun as unknown as { binding: StunClient['binding'] };
    const inner = client.binding.bind(client);
    client.binding = async (...args) => ({
      ...(await inner(...args)),
      otherAddress: sameIpOther,
    });
    const b = await discoverNatBehaviour(stun, SERVER);
    expect(b.mapping).toBe('unknown');
    expect(b.natType).toBe('Unknown');
  });

  it('symmetric mappings: the mapped port changes with the destination', async () => {
    let port = 40000;
    const seen = new Map<string, Endpoint>();
    const stun = scriptedStun(endpoint('10.0.0.2', 5000), (r) => {
      const key = `${r.to.address}:${r.to.port}`;
      let mapped = seen.get(key);
      if (mapped === undefined) {
        mapped = endpoint('203.0.113.7', port++);
        seen.set(key, mapped);
      }
      return { mapped, from: honestOrigin(r) };
    });
    const b = await discoverNatBehaviour(stun, SERVER);
    expect(b.mapping).toBe('address-and-port-dependent');
    // The mapped IP never changed: the reference calls that port-only symmetric.
    expect(b.natType).toBe('SymmetricPortOnly');
  });

  describe('a socket bound to a wildcard', () => {
    const interfaces = (): string[] => ['127.0.0.1', '10.0.0.2', 'fe80::1%eth0'];
    const answeringWith = (mapped: Endpoint): StunClient =>
      scriptedStun(endpoint('0.0.0.0', 5000), (r) => ({ mapped, from: honestOrigin(r) }));

    it('an interface address with the socket port is no NAT', async () => {
      const b = await discoverNatBehaviour(answeringWith(endpoint('10.0.0.2', 5000)), SERVER, {
        interfaceAddresses: interfaces,
      });
      expect(b).toMatchObject({ behindNat: false, natType: 'NoNat' });
    });

    it('an interface address with another port is a NAT (the port was translated)', async () => {
      const b = await discoverNatBehaviour(answeringWith(endpoint('10.0.0.2', 5001)), SERVER, {
        interfaceAddresses: interfaces,
      });
      expect(b.behindNat).toBe(true);
      expect(b.natType).toBe('FullCone');
    });

    it('a scoped IPv6 interface address matches without its zone, and v4-mapped forms match', async () => {
      const v6 = scriptedStun(endpoint('::', 5000), (r) => ({
        mapped: endpoint('fe80::1', 5000),
        from: honestOrigin(r),
      }));
      expect(
        (await discoverNatBehaviour(v6, SERVER, { interfaceAddresses: interfaces })).behindNat,
      ).toBe(false);
      const mappedV4 = scriptedStun(endpoint('::', 5000), (r) => ({
        mapped: endpoint('::ffff:10.0.0.2', 5000),
        from: honestOrigin(r),
      }));
      expect(
        (await discoverNatBehaviour(mappedV4, SERVER, { interfaceAddresses: interfaces }))
          .behindNat,
      ).toBe(false);
    });
  });

  it('the scripted server is honest by construction (guards the helpers above)', () => {
    expect(
      endpointEquals(honestOrigin({ to: SERVER, change: { ip: true, port: true } }), OTHER),
    ).toBe(true);
    expect(honestOrigin({ to: SERVER, change: { ip: false, port: true } })).toEqual(
      endpoint(SERVER.address, OTHER.port),
    );
  });
});
