/**
 * The SSH algorithm lists an operator may pin (teleport.yaml `ciphers`, `kex_algos`, `mac_algos`)
 * as ssh2 takes them, for our servers and clients alike.
 */
import { createRequire } from 'node:module';
import type { Algorithms, CipherAlgorithm, KexAlgorithm, MacAlgorithm } from 'ssh2';
import { BadParameterError } from '../api/errors.js';

/** Algorithm lists to offer, in order of preference; an absent or empty list keeps the defaults. */
export interface SSHAlgorithms {
  ciphers?: string[];
  kex?: string[];
  macs?: string[];
}

/** ssh2's `algorithms` option for these lists (host key algorithms are not ours to pin here). */
export type SSH2AlgorithmLists = Pick<Algorithms, 'cipher' | 'kex' | 'hmac'>;

interface SSH2Constants {
  SUPPORTED_CIPHER: string[];
  SUPPORTED_KEX: string[];
  SUPPORTED_MAC: string[];
}

let supported: SSH2Constants | undefined;

/** ssh2's supported lists (its constants module has no typings of its own). */
function ssh2Supported(): SSH2Constants {
  supported ??= createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as SSH2Constants;
  return supported;
}

/** Teleport's Go formatting of a string list (`%q`): `["a" "b"]`. */
const goQuoted = (names: string[]): string => `[${names.map((n) => JSON.stringify(n)).join(' ')}]`;

/**
 * The ssh2 option for `algos`. Throws BadParameterError for a name ssh2 does not implement, in
 * the words Teleport uses when it refuses such a config at start.
 */
export function ssh2Algorithms(algos: SSHAlgorithms | undefined): SSH2AlgorithmLists {
  const s = ssh2Supported();
  const pick = (names: string[] | undefined, known: string[], what: string): string[] | undefined => {
    if (!names || names.length === 0) return undefined;
    for (const n of names) {
      if (!known.includes(n)) throw new BadParameterError(`${what} algorithm "${n}" is not supported; supported algorithms: ${goQuoted(known)}`);
    }
    return [...names];
  };
  // Checked against ssh2's own lists just above.
  const cipher = pick(algos?.ciphers, s.SUPPORTED_CIPHER, 'cipher') as CipherAlgorithm[] | undefined;
  const kex = pick(algos?.kex, s.SUPPORTED_KEX, 'KEX') as KexAlgorithm[] | undefined;
  const hmac = pick(algos?.macs, s.SUPPORTED_MAC, 'MAC') as MacAlgorithm[] | undefined;
  return { ...(cipher && { cipher }), ...(kex && { kex }), ...(hmac && { hmac }) };
}
