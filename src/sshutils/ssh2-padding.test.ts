// ssh2's packet padding after our patch cuts it from a bulk-refilled random pool (PATCHES.md): every
// cipher still frames packets to its block size with 4 or more padding bytes, and the padding stays
// random: no pool bytes reused between packets, bytes spread over all 256 values.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

interface CipherInstance {
  allocPacket(payloadLen: number): Buffer;
}
interface CryptoModule {
  CIPHER_INFO: Record<string, { keyLen: number; ivLen: number; blockLen: number; authLen: number }>;
  MAC_INFO: Record<string, { len: number }>;
  NullCipher: new (seqno: number, onWrite: (b: Buffer) => void) => CipherInstance;
  createCipher(config: unknown): CipherInstance;
}
const ssh2Crypto = createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as CryptoModule;

function cipher(name: string): { c: CipherInstance; block: number } {
  if (name === 'none') return { c: new ssh2Crypto.NullCipher(0, () => {}), block: 8 };
  const info = ssh2Crypto.CIPHER_INFO[name];
  const mac = name.includes('gcm') || name.includes('chacha') ? undefined : 'hmac-sha2-256';
  const c = ssh2Crypto.createCipher({
    outbound: {
      onWrite: () => {},
      seqno: 0,
      cipherInfo: info,
      cipherKey: randomBytes(info.keyLen),
      cipherIV: randomBytes(info.ivLen),
      ...(mac && { macInfo: ssh2Crypto.MAC_INFO[mac], macKey: randomBytes(32) }),
    },
  });
  return { c, block: Math.max(8, info.blockLen) };
}

describe('ssh2 packet padding (pooled randomness)', () => {
  it.each(['none', 'aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr'])('frames packets to the block size with random padding: %s', (name) => {
    const { c, block } = cipher(name);
    const pads: Buffer[] = [];
    for (let payload = 0; payload < 3000; payload++) {
      const p = c.allocPacket(payload);
      const padLen = p[4];
      const packetLen = p.readUInt32BE(0);
      expect(padLen).toBeGreaterThanOrEqual(4);
      expect(packetLen).toBe(1 + payload + padLen);
      // The length field is outside the block alignment for AEAD ciphers, inside for the others.
      const aligned = name.includes('gcm') || name.includes('chacha') ? packetLen : packetLen + 4;
      expect(aligned % block).toBe(0);
      pads.push(Buffer.from(p.subarray(5 + payload, 5 + payload + padLen)));
    }
    // No padding repeats another (a reused pool would repeat 4..255-byte runs) ...
    const seen = new Set(pads.filter((b) => b.length >= 8).map((b) => b.toString('hex')));
    expect(seen.size).toBe(pads.filter((b) => b.length >= 8).length);
    // ... and the bytes cover the whole range about evenly (expected count per value: total / 256).
    const all = Buffer.concat(pads);
    const counts = new Array<number>(256).fill(0);
    for (const b of all) counts[b]++;
    const expected = all.length / 256;
    expect(Math.min(...counts)).toBeGreaterThan(expected * 0.5);
    expect(Math.max(...counts)).toBeLessThan(expected * 1.5);
  });

  it('never hands out the same pool bytes twice across a refill', () => {
    const { c } = cipher('none');
    // Enough padding to go through the 16 KiB pool several times.
    const pads: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const p = c.allocPacket(i % 64);
      pads.push(p.subarray(5 + (i % 64)).toString('hex'));
    }
    const long = pads.filter((h) => h.length >= 16);
    expect(new Set(long).size).toBe(long.length);
  });
});
