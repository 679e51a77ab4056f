/**
 * Identity <-> X.509 subject, laid out as Go's `pkix.Name` marshals Teleport's `Identity.Subject()`:
 * L, STREET, POSTALCODE, O, OU, CN, then one RDN per extra attribute. Multi-valued fields share one
 * RDN; strings are PrintableString when Go would pick it, else UTF8String.
 */
import { BadParameterError } from '../api/errors.js';
import type { Identity } from './identity-type.js';
import { TeleportOID, X520 } from './oids.js';
import { marshalTraits, unmarshalTraits } from './traits-json.js';
import type { DirectoryString, NameFields, NameRDNs } from './name-der.js';

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An attribute value typed as Go's encoding/asn1 types a plain string (PrintableString, else UTF8String). */
export function directoryString(value: string): DirectoryString {
  if (PRINTABLE.test(value)) return { printableString: value };
  if (LONE_SURROGATE.test(value)) throw new BadParameterError('identity field is not valid UTF-8');
  return { utf8String: value };
}

/** Go's time.RFC3339 rendering of a UTC instant (whole seconds). */
export function formatRFC3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The subject for an identity: RDNs of explicitly typed strings. */
export function identitySubject(id: Identity): NameRDNs {
  const rdns: NameRDNs = [];
  const multi = (oid: string, values: string[] | undefined): void => {
    if (values && values.length > 0) rdns.push({ [oid]: values.map(directoryString) });
  };
  const single = (oid: string, value: string | undefined): void => {
    if (value) rdns.push({ [oid]: [directoryString(value)] });
  };
  multi(X520.locality, id.principals);
  // Teleport always writes STREET and POSTALCODE, even when empty or null.
  rdns.push({ [X520.streetAddress]: [directoryString(id.routeToCluster ?? '')] });
  rdns.push({ [X520.postalCode]: [directoryString(marshalTraits(id.traits))] });
  multi(X520.organization, id.groups);
  multi(X520.organizationalUnit, id.usage);
  single(X520.commonName, id.username);
  for (const role of id.systemRoles ?? []) single(TeleportOID.systemRoles, role);
  for (const user of id.kubernetesUsers ?? []) single(TeleportOID.kubeUsers, user);
  for (const group of id.kubernetesGroups ?? []) single(TeleportOID.kubeGroups, group);
  single(TeleportOID.kubeCluster, id.kubernetesCluster);
  single(TeleportOID.appSessionId, id.routeToApp?.sessionId);
  single(TeleportOID.appPublicAddr, id.routeToApp?.publicAddr);
  single(TeleportOID.appClusterName, id.routeToApp?.clusterName);
  single(TeleportOID.appName, id.routeToApp?.name);
  if (id.renewable) single(TeleportOID.renewable, 'true');
  single(TeleportOID.teleportCluster, id.teleportCluster);
  single(TeleportOID.mfaVerified, id.mfaVerified);
  if (id.previousIdentityExpires) {
    single(TeleportOID.previousIdentityExpires, formatRFC3339(id.previousIdentityExpires));
  }
  single(TeleportOID.clientIP, id.clientIP);
  single(TeleportOID.dbServiceName, id.routeToDatabase?.serviceName);
  single(TeleportOID.dbProtocol, id.routeToDatabase?.protocol);
  single(TeleportOID.dbUsername, id.routeToDatabase?.username);
  single(TeleportOID.dbName, id.routeToDatabase?.database);
  for (const name of id.databaseNames ?? []) single(TeleportOID.dbNames, name);
  for (const user of id.databaseUsers ?? []) single(TeleportOID.dbUsers, user);
  single(TeleportOID.impersonator, id.impersonator);
  if (id.disallowReissue) single(TeleportOID.disallowReissue, 'true');
  if (id.generation) single(TeleportOID.generation, String(id.generation));
  return rdns;
}

/**
 * Rebuild an identity from a parsed subject. Unknown attributes are ignored (as Go does); a
 * malformed traits JSON, generation or previous-expiry value throws BadParameterError.
 */
export function identityFromSubject(name: NameFields, expires: Date): Identity {
  const all = (oid: string): string[] | undefined => {
    const values = name.getField(oid);
    return values.length > 0 ? values : undefined;
  };
  const first = (oid: string): string | undefined => name.getField(oid)[0] || undefined;
  const id: Identity = {
    username: first(X520.commonName) ?? '',
    groups: name.getField(X520.organization),
    expires,
  };
  const set = <K extends keyof Identity>(key: K, value: Identity[K] | undefined): void => {
    if (value !== undefined) id[key] = value;
  };
  set('usage', all(X520.organizationalUnit));
  set('principals', all(X520.locality));
  set('routeToCluster', first(X520.streetAddress));
  const traits = first(X520.postalCode);
  if (traits !== undefined) set('traits', unmarshalTraits(traits));
  set('kubernetesUsers', all(TeleportOID.kubeUsers));
  set('kubernetesGroups', all(TeleportOID.kubeGroups));
  set('kubernetesCluster', first(TeleportOID.kubeCluster));
  set('teleportCluster', first(TeleportOID.teleportCluster));
  set('mfaVerified', first(TeleportOID.mfaVerified));
  set('clientIP', first(TeleportOID.clientIP));
  const app = [TeleportOID.appSessionId, TeleportOID.appPublicAddr, TeleportOID.appClusterName, TeleportOID.appName].map(first);
  if (app.some((v) => v !== undefined)) {
    const [sessionId = '', publicAddr = '', clusterName = '', appName = ''] = app;
    id.routeToApp = { sessionId, publicAddr, clusterName, name: appName };
  }
  const [serviceName, protocol, username, database] = [
    TeleportOID.dbServiceName, TeleportOID.dbProtocol, TeleportOID.dbUsername, TeleportOID.dbName,
  ].map(first);
  if (serviceName !== undefined || protocol !== undefined || username !== undefined || database !== undefined) {
    id.routeToDatabase = { serviceName: serviceName ?? '', protocol: protocol ?? '' };
    if (username !== undefined) id.routeToDatabase.username = username;
    if (database !== undefined) id.routeToDatabase.database = database;
  }
  set('databaseNames', all(TeleportOID.dbNames));
  set('databaseUsers', all(TeleportOID.dbUsers));
  set('impersonator', first(TeleportOID.impersonator));
  set('systemRoles', all(TeleportOID.systemRoles));
  if (first(TeleportOID.disallowReissue) === 'true') id.disallowReissue = true;
  if (first(TeleportOID.renewable) === 'true') id.renewable = true;
  const generation = first(TeleportOID.generation);
  if (generation !== undefined) {
    const n = Number(generation);
    if (!/^\d+$/.test(generation) || !Number.isSafeInteger(n)) {
      throw new BadParameterError(`certificate generation "${generation}" is not an unsigned integer`);
    }
    id.generation = n;
  }
  const prev = first(TeleportOID.previousIdentityExpires);
  if (prev !== undefined) {
    const t = Date.parse(prev);
    if (!RFC3339.test(prev) || Number.isNaN(t)) {
      throw new BadParameterError(`certificate previous identity expiry "${prev}" is not RFC 3339`);
    }
    id.previousIdentityExpires = new Date(t);
  }
  return id;
}
