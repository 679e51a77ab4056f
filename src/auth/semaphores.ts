/**
 * Semaphores (Teleport's `semaphore` resource, sub_kind `connection`): how a role's `max_connections`
 * holds across every node of the cluster. A node takes a lease on the semaphore named after the user
 * for each SSH connection, renews it while the connection lives and cancels it when it closes; a
 * lease not renewed within `session_control_timeout` lapses, so a node that dies frees its slots.
 * Leases are kept in one backend item per semaphore, written with compare-and-swap on its revision.
 */
import { randomUUID } from 'node:crypto';
import { BadParameterError, CompareFailedError, LimitExceededError, NotFoundError, isCode } from '../api/errors.js';
import type { Services } from '../services/index.js';
import type { Caller } from './caller.js';
import { authorize } from './caller.js';

/** The semaphore kinds this release uses. */
export const SEMAPHORE_KINDS = ['connection'] as const;
export type SemaphoreKind = (typeof SEMAPHORE_KINDS)[number];

/** Teleport's text in the error of a semaphore with no lease left (`teleport.MaxLeases`). */
export const MAX_LEASES = 'err-max-leases';

/** The longest a lease may be asked for at once. */
const MAX_LEASE_MS = 60 * 60_000;
/** Writers racing on one semaphore retry this often before giving up. */
const CAS_ATTEMPTS = 20;

/** One lease as stored (Teleport's SemaphoreLeaseRef). */
export interface SemaphoreLeaseRef {
  lease_id: string;
  expires: string;
  holder: string;
}

/** A stored semaphore. */
export interface Semaphore {
  kind: 'semaphore';
  sub_kind: SemaphoreKind;
  version: 'v3';
  metadata: { name: string; expires: string };
  spec: { leases: SemaphoreLeaseRef[] };
}

/** What acquiring asks for. */
export interface AcquireSemaphoreRequest {
  semaphore_kind: string;
  semaphore_name: string;
  max_leases: number;
  holder: string;
  /** How long the lease lasts unless renewed. */
  expires_ms: number;
}

/** A lease held. */
export interface SemaphoreLease {
  semaphore_kind: SemaphoreKind;
  semaphore_name: string;
  lease_id: string;
  expires: string;
}

/** The cluster's semaphores; every call is authorized on the semaphore and its holder. */
export class Semaphores {
  constructor(private readonly services: Services) {}

  /** Take a lease, or LimitExceededError (naming MAX_LEASES) when max_leases live leases exist. */
  async acquire(caller: Caller, req: AcquireSemaphoreRequest): Promise<SemaphoreLease> {
    const kind = checkKind(req?.semaphore_kind);
    const name = checkName(req.semaphore_name);
    if (!Number.isInteger(req.max_leases) || req.max_leases < 1) throw new BadParameterError('max_leases must be a positive integer');
    if (typeof req.holder !== 'string' || req.holder === '') throw new BadParameterError('holder is required');
    const ttl = checkTTL(req.expires_ms);
    authorize(caller, 'semaphore', 'create', { kind, name, holder: req.holder });
    const lease: SemaphoreLeaseRef = { lease_id: randomUUID(), holder: req.holder, expires: this.at(ttl) };
    await this.modify(kind, name, true, (leases) => {
      if (leases.length >= req.max_leases) {
        throw new LimitExceededError(`${MAX_LEASES}: ${leases.length} of ${req.max_leases} leases of ${kind} semaphore "${name}" are held`);
      }
      return [...leases, lease];
    });
    return { semaphore_kind: kind, semaphore_name: name, lease_id: lease.lease_id, expires: lease.expires };
  }

  /** Extend a held lease; NotFoundError when it lapsed or was cancelled (the holder lost it). */
  async renew(caller: Caller, lease: SemaphoreLease & { expires_ms: number }): Promise<SemaphoreLease> {
    const kind = checkKind(lease?.semaphore_kind);
    const name = checkName(lease.semaphore_name);
    const expires = this.at(checkTTL(lease.expires_ms));
    // Who may renew leases at all (their own), before whether this one exists; then its holder's.
    authorize(caller, 'semaphore', 'update', { kind, name, holder: caller.hostId ?? '' });
    await this.modify(kind, name, false, (leases) => {
      const mine = leases.find((l) => l.lease_id === lease.lease_id);
      if (!mine) throw new NotFoundError(`lease ${String(lease.lease_id)} of ${kind} semaphore "${name}" is not held`);
      authorize(caller, 'semaphore', 'update', { kind, name, holder: mine.holder });
      return leases.map((l) => (l === mine ? { ...l, expires } : l));
    });
    return { semaphore_kind: kind, semaphore_name: name, lease_id: lease.lease_id, expires };
  }

  /** Give a lease back; one already gone is not an error. */
  async cancel(caller: Caller, lease: Pick<SemaphoreLease, 'semaphore_kind' | 'semaphore_name' | 'lease_id'>): Promise<void> {
    const kind = checkKind(lease?.semaphore_kind);
    const name = checkName(lease.semaphore_name);
    authorize(caller, 'semaphore', 'delete', { kind, name, holder: caller.hostId ?? '' });
    try {
      await this.modify(kind, name, false, (leases) => {
        const mine = leases.find((l) => l.lease_id === lease.lease_id);
        if (!mine) return leases;
        authorize(caller, 'semaphore', 'delete', { kind, name, holder: mine.holder });
        return leases.filter((l) => l !== mine);
      });
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
    }
  }

  /** Live leases of a semaphore (for tests and `tctl get semaphores`-style listings). */
  async leases(kind: SemaphoreKind, name: string): Promise<SemaphoreLeaseRef[]> {
    try {
      const item = await this.services.backend.get(key(kind, name));
      return this.live((JSON.parse(item.value) as Semaphore).spec.leases);
    } catch (err) {
      if (isCode(err, 'not_found')) return [];
      throw err;
    }
  }

  /** Read, drop lapsed leases, apply `change`, write back if nobody wrote in between (else retry). */
  private async modify(kind: SemaphoreKind, name: string, create: boolean, change: (live: SemaphoreLeaseRef[]) => SemaphoreLeaseRef[]): Promise<void> {
    const { backend } = this.services;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      let current: { revision: string; leases: SemaphoreLeaseRef[] } | undefined;
      try {
        const item = await backend.get(key(kind, name));
        current = { revision: item.revision, leases: (JSON.parse(item.value) as Semaphore).spec.leases };
      } catch (err) {
        if (!isCode(err, 'not_found')) throw err;
        if (!create) throw new NotFoundError(`${kind} semaphore "${name}" is not held`, { cause: err });
      }
      const leases = change(this.live(current?.leases ?? []));
      const expires = leases.reduce((max, l) => (l.expires > max ? l.expires : max), this.at(0));
      const doc: Semaphore = { kind: 'semaphore', sub_kind: kind, version: 'v3', metadata: { name, expires }, spec: { leases } };
      const item = { key: key(kind, name), value: JSON.stringify(doc), expires: Date.parse(expires) };
      try {
        if (current) await backend.conditionalUpdate(item, current.revision);
        else await backend.create(item);
        return;
      } catch (err) {
        if (!(err instanceof CompareFailedError) && !isCode(err, 'already_exists') && !isCode(err, 'not_found')) throw err;
      }
    }
    throw new LimitExceededError(`${kind} semaphore "${name}" is too contended: try again`);
  }

  private live(leases: SemaphoreLeaseRef[]): SemaphoreLeaseRef[] {
    const now = this.at(0);
    return leases.filter((l) => l.expires > now);
  }

  private at(ms: number): string {
    return new Date(this.services.clock.now() + ms).toISOString();
  }
}

const key = (kind: SemaphoreKind, name: string): string => `/semaphores/${kind}/${name}`;

function checkKind(kind: unknown): SemaphoreKind {
  if (!SEMAPHORE_KINDS.includes(kind as SemaphoreKind)) throw new BadParameterError(`semaphore_kind must be one of ${SEMAPHORE_KINDS.join(', ')}`);
  return kind as SemaphoreKind;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '' || name.length > 255 || name.includes('/')) throw new BadParameterError('semaphore_name must be a non-empty name without "/"');
  return name;
}

function checkTTL(ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > MAX_LEASE_MS) throw new BadParameterError(`expires_ms must be between 1 and ${MAX_LEASE_MS}`);
  return ms;
}
