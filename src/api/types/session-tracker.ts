/**
 * The session tracker resource (`kind: session_tracker`, `version: v1`): a live session as its node
 * reports it, named by the session ID, kept with an expiry the node refreshes (Teleport's
 * SessionTrackerV1). Listed by `tsh sessions ls` and the web UI's active sessions page.
 */
import { z } from 'zod';
import { BadParameterError } from '../errors.js';
import type { Resource } from './metadata.js';
import { checkHeader, headerShape, parseWith } from './metadata.js';

/** One participant of a live session; `mode` is `peer` for the session's owner. */
export interface SessionParticipant {
  /** The participant's party ID on the node (Teleport's Participant.ID). */
  id?: string;
  user: string;
  mode: string;
  /** RFC 3339 time of the participant's last activity. */
  last_active: string;
}

/** The tracker spec, a subset of Teleport's SessionTrackerSpecV1. */
export interface SessionTrackerSpec {
  session_id: string;
  /** Teleport's session kind: `ssh`. */
  kind: string;
  /** `running` while the session is live. */
  state: string;
  created: string;
  expires: string;
  cluster_name: string;
  /** Host UUID of the node running the session: only that node may write the tracker. */
  host_id: string;
  hostname: string;
  address: string;
  login: string;
  participants: SessionParticipant[];
  /** The owner's roles, for who may join (Teleport's SessionTrackerPolicySet, without require_session_join). */
  host_policies?: { name: string; version: string }[];
  /** The exec command, when not a shell. */
  command?: string;
  [other: string]: unknown;
}

/** A validated session tracker. */
export type SessionTracker = Resource<'session_tracker', SessionTrackerSpec>;

const participantSchema = z.looseObject({ user: z.string().min(1), mode: z.string().default('peer'), last_active: z.string().default('') });

/** zod schema of a session tracker document. */
export const sessionTrackerSchema = z.strictObject({
  ...headerShape('session_tracker', ['v1']),
  spec: z.looseObject({
    session_id: z.string().min(1),
    kind: z.string().default('ssh'),
    state: z.string().default('running'),
    created: z.string().default(''),
    expires: z.string().default(''),
    cluster_name: z.string().default(''),
    host_id: z.string().min(1),
    hostname: z.string().default(''),
    address: z.string().default(''),
    login: z.string().default(''),
    participants: z.array(participantSchema).default([]),
    command: z.string().optional(),
  }),
});

/** Validate a session tracker; the name must be the session ID. Throws BadParameterError naming the field. */
export function validateSessionTracker(input: unknown): SessionTracker {
  checkHeader(input, 'session_tracker', ['v1']);
  const t = parseWith<SessionTracker>(sessionTrackerSchema, structuredClone(input), 'session_tracker');
  if (t.metadata.name !== t.spec.session_id) {
    throw new BadParameterError(`metadata.name: a session tracker is named by its session ID (${JSON.stringify(t.spec.session_id)})`);
  }
  return t;
}
