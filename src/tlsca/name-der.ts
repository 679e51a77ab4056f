/**
 * X.509 Names in DER: encoding the subject `identitySubject` lays out, and reading a Name back into
 * its attributes by OID (what `identityFromSubject` and the chain check read).
 */
import { BadParameterError } from '../api/errors.js';
import { Tag, children, oid, readOID, readString, seq, set, tlv, type Element } from './der.js';

/** A string attribute value typed as Go types it: PrintableString when it can be, else UTF8String. */
export type DirectoryString = { printableString: string } | { utf8String: string };

/** A Name as RDNs, each attribute values by OID. */
export type NameRDNs = Record<string, DirectoryString[]>[];

/** A Name's attribute values by OID, in the order they appear. */
export interface NameFields {
  getField(oid: string): string[];
}

/** The DER of a Name given as RDNs of typed values (`{printableString}` or `{utf8String}`). */
export function encodeName(rdns: NameRDNs): Buffer {
  return seq(
    ...rdns.map((rdn) =>
      set(
        Object.entries(rdn).flatMap(([type, values]) =>
          values.map((v) =>
            'printableString' in v
              ? seq(oid(type), tlv(Tag.printableString, Buffer.from(v.printableString, 'latin1')))
              : seq(oid(type), tlv(Tag.utf8String, Buffer.from(v.utf8String, 'utf8'))),
          ),
        ),
      ),
    ),
  );
}

/** Reads a Name element into its attribute values. BadParameterError when it is malformed. */
export function decodeName(name: Element): NameFields {
  if (name.tag !== Tag.sequence) throw new BadParameterError('X.509 name is not a SEQUENCE');
  const fields = new Map<string, string[]>();
  for (const rdn of children(name.content)) {
    if (rdn.tag !== Tag.set) throw new BadParameterError('X.509 RDN is not a SET');
    for (const atv of children(rdn.content)) {
      const [type, value] = children(atv.content);
      if (atv.tag !== Tag.sequence || type?.tag !== Tag.oid || !value) throw new BadParameterError('malformed X.509 name attribute');
      const key = readOID(type.content);
      const list = fields.get(key) ?? [];
      list.push(readString(value));
      fields.set(key, list);
    }
  }
  return { getField: (o) => [...(fields.get(o) ?? [])] };
}
