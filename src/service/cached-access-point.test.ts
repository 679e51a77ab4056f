import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthClient } from '../api/client/index.js';
import { ConnectionProblemError } from '../api/errors.js';
import type { AuthPreference, Role } from '../api/types/index.js';
import type { WatchedResource } from '../api/watch-wire.js';
import { silentLogger } from '../log/index.js';
import type { NodeAccessPoint } from '../node/index.js';
import { ManualTimers } from '../reversetunnel/testing/manual-timers.js';
import { CachedAccessPoint } from './cached-access-point.js';
import { FakeWatchAuth } from './testing/fake-watch-auth.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
};

function sshBlob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
}

const userCA = (blob: Buffer): WatchedResource => ({
  kind: 'cert_authority',
  sub_kind: 'user',
  version: 'v2',
  metadata: { name: 'c' },
  spec: { type: 'user', cluster_name: 'c', active_keys: { ssh: [{ public_key: Buffer.from(`ssh-ed25519 ${blob.toString('base64')}`).toString('base64') }] } },
});
const role = (name: string): WatchedResource => ({ kind: 'role', metadata: { name }, spec: { allow: { logins: [name] } } });
const cap = (second_factor: string): WatchedResource => ({ kind: 'cluster_auth_preference', metadata: { name: 'cluster-auth-preference' }, spec: { second_factor } });

/** The wrapped access point: counts reads that reach "auth" and records writes. */
function direct(auth: FakeWatchAuth) {
  const seen = { reads: 0, heartbeats: 0 };
  const ap: NodeAccessPoint = {
    clusterName: 'c',
    userCAKeys: async () => {
      seen.reads++;
      if (auth.down) throw new ConnectionProblemError('auth is down');
      return [Buffer.from('direct')];
    },
    roles: async (names) => {
      seen.reads++;
      return names.map((n) => ({ kind: 'role', metadata: { name: n } }) as unknown as Role);
    },
    authPreference: async () => {
      seen.reads++;
      return { kind: 'cluster_auth_preference', metadata: { name: 'cluster-auth-preference' }, spec: { second_factor: 'direct' } } as unknown as AuthPreference;
    },
    networkingConfig: async () => {
      seen.reads++;
      return undefined;
    },
    heartbeat: async () => {
      seen.heartbeats++;
    },
  };
  return { seen, ap };
}

describe('CachedAccessPoint', () => {
  let ap: CachedAccessPoint | undefined;
  afterEach(() => ap?.close());

  function make(auth: FakeWatchAuth, timers = new ManualTimers()) {
    const d = direct(auth);
    const client = { watchEvents: auth.watch, listResources: auth.load } as unknown as AuthClient;
    ap = new CachedAccessPoint({ direct: d.ap, client, logger: silentLogger, timers });
    return { ...d, ap, timers };
  }

  it('watches only once read, then serves CA keys, roles and the auth preference from memory and follows changes', async () => {
    const auth = new FakeWatchAuth();
    const blob = sshBlob();
    auth.put(userCA(blob));
    auth.put(role('dev'));
    auth.put(cap('otp'));
    const { seen, ap } = make(auth);
    await settle();
    expect(auth.watchCalls).toBe(0);

    // The first read goes past the cache (it is not synced yet) and starts the watch.
    expect(await ap.userCAKeys()).toEqual([Buffer.from('direct')]);
    await settle();
    expect(ap.synced).toBe(true);
    const reads = seen.reads;
    expect(await ap.userCAKeys()).toEqual([blob]);
    expect((await ap.roles(['dev', 'missing'])).map((r) => r.metadata.name)).toEqual(['dev']);
    expect((await ap.authPreference()).spec.second_factor).toBe('otp');
    expect(seen.reads).toBe(reads);

    auth.put(role('ops'));
    auth.remove('role', 'dev');
    auth.put(cap('webauthn'));
    await settle();
    expect((await ap.roles(['dev', 'ops'])).map((r) => r.metadata.name)).toEqual(['ops']);
    expect((await ap.authPreference()).spec.second_factor).toBe('webauthn');
    expect(seen.reads).toBe(reads);
  });

  it('keeps admitting with the last CAs and roles while auth is down; writes go to the wrapped access point', async () => {
    const auth = new FakeWatchAuth();
    const blob = sshBlob();
    auth.put(userCA(blob));
    auth.put(role('dev'));
    const { seen, ap, timers } = make(auth);
    await ap.roles([]);
    await settle();
    auth.down = true;
    auth.breakAll();
    timers.advance(10_000);
    await settle();
    expect(await ap.userCAKeys()).toEqual([blob]);
    expect((await ap.roles(['dev'])).map((r) => r.metadata.name)).toEqual(['dev']);
    await ap.heartbeat({} as never, 1_000);
    expect(seen.heartbeats).toBe(1);
  });

  it('before any sync, a read while auth is down fails as the wrapped one does', async () => {
    const auth = new FakeWatchAuth();
    auth.down = true;
    const { ap } = make(auth);
    await expect(ap.userCAKeys()).rejects.toBeInstanceOf(ConnectionProblemError);
    ap.close();
    ap.close();
  });
});
