import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeUdpPort, freeUdpPortRange } from './free-udp-port.ts';
import { stunProbe } from './stun-probe.ts';

/** Settings of a test coturn instance. Lifetimes are in seconds; short ones make expiry testable. */
export interface CoturnOptions {
  readonly username?: string;
  readonly password?: string;
  readonly realm?: string;
  /** Upper bound coturn grants for allocation lifetimes (`max-allocate-lifetime`). */
  readonly maxAllocateLifetime?: number;
  /** Permission lifetime (`permission-lifetime`), coturn's default 300. */
  readonly permissionLifetime?: number;
  /** Channel lifetime (`channel-lifetime`), coturn's default 600. */
  readonly channelLifetime?: number;
  /** Allocations allowed per user (`user-quota`); beyond it coturn answers 486. */
  readonly userQuota?: number;
  /** Also listen on 127.0.0.2 so RFC 5780 NAT behaviour discovery has a second address. */
  readonly alternateAddress?: boolean;
}

/** A running coturn. */
export interface Coturn {
  readonly host: string;
  readonly port: number;
  /** The second address (RFC 5780 OTHER-ADDRESS), when `alternateAddress` was asked for. */
  readonly alternateHost?: string;
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  readonly relayPorts: { readonly min: number; readonly max: number };
  /** Recent lines coturn logged (for diagnosing a failed test). */
  log(): string;
  /** Kills the server and removes its files; idempotent. */
  stop(): Promise<void>;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Installs Debian's coturn through the project's setup script when `turnserver` is missing. */
export function ensureCoturnInstalled(): void {
  if (existsSync('/usr/bin/turnserver')) return;
  const r = spawnSync('bash', [join(repoRoot, 'tooling/scripts/setup-system.sh'), 'coturn'], {
    stdio: 'inherit',
  });
  if (r.status !== 0 || !existsSync('/usr/bin/turnserver')) {
    throw new Error(
      'coturn is not installed and could not be installed (Debian package "coturn", needs root)',
    );
  }
}

/**
 * Starts coturn on loopback with ports chosen at run time (no systemd, no fixed ports), waits
 * until it answers STUN, and returns how to reach it. Call `stop()` in teardown.
 *
 * @example
 * const turn = await startCoturn({ maxAllocateLifetime: 5 });
 * afterAll(() => turn.stop());
 */
export async function startCoturn(options: CoturnOptions = {}): Promise<Coturn> {
  ensureCoturnInstalled();
  const host = '127.0.0.1';
  const alternateHost = options.alternateAddress ? '127.0.0.2' : undefined;
  const port = await freeUdpPort(host);
  const relayMin = await freeUdpPortRange(200, host);
  const username = options.username ?? 'elara';
  const password = options.password ?? 'elara-test-secret';
  const realm = options.realm ?? 'elara.test';
  const dir = mkdtempSync(join(tmpdir(), 'elara-coturn-'));
  const lines = [
    `listening-port=${port}`,
    `listening-ip=${host}`,
    ...(alternateHost ? [`listening-ip=${alternateHost}`] : []),
    `relay-ip=${host}`,
    `min-port=${relayMin}`,
    `max-port=${relayMin + 199}`,
    `realm=${realm}`,
    'lt-cred-mech',
    `user=${username}:${password}`,
    'fingerprint',
    'no-tls',
    'no-dtls',
    'no-tcp-relay',
    'no-cli',
    'no-software-attribute',
    'allow-loopback-peers',
    'simple-log',
    `log-file=${join(dir, 'turn.log')}`,
    `pidfile=${join(dir, 'turn.pid')}`,
    `userdb=${join(dir, 'turndb')}`,
    ...(options.maxAllocateLifetime
      ? [`max-allocate-lifetime=${options.maxAllocateLifetime}`]
      : []),
    ...(options.permissionLifetime ? [`permission-lifetime=${options.permissionLifetime}`] : []),
    ...(options.channelLifetime ? [`channel-lifetime=${options.channelLifetime}`] : []),
    ...(options.userQuota ? [`user-quota=${options.userQuota}`] : []),
  ];
  const conf = join(dir, 'turnserver.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  let output = '';
  const child: ChildProcess = spawn('/usr/bin/turnserver', ['-c', conf, '--log-file=stdout'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const stop = async () => {
    if (!exited) {
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await done;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  for (let i = 0; i < 100 && !exited; i++) {
    if (await stunProbe(host, port)) {
      return {
        host,
        port,
        ...(alternateHost ? { alternateHost } : {}),
        username,
        password,
        realm,
        relayPorts: { min: relayMin, max: relayMin + 199 },
        log: () => output,
        stop,
      };
    }
  }
  await stop();
  throw new Error(`coturn did not answer STUN on ${host}:${port}:\n${output}`);
}
