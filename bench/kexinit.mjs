// What an SSH server offers before any key is exchanged: its KEXINIT is plaintext, so reading it
// tells whether a server honours a pinned cipher (the client then has no other choice).
import { connect } from 'node:net';

/** Reads one SSH string-list field (uint32 length + comma-separated names) at `off`. */
function nameList(buf, off) {
  const len = buf.readUInt32BE(off);
  return { names: buf.subarray(off + 4, off + 4 + len).toString().split(','), next: off + 4 + len };
}

/**
 * Connects to 127.0.0.1:port, sends our identification line and returns the server's offered
 * {kex, hostKeys, ciphers (server to client)} from its KEXINIT. Rejects after `timeoutMs`.
 */
export function serverOffer(port, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write('SSH-2.0-bench_probe\r\n'));
    const timer = setTimeout(() => fail(new Error(`no KEXINIT from 127.0.0.1:${port}`)), timeoutMs);
    let buf = Buffer.alloc(0);
    const fail = (err) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    sock.on('error', fail);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const packet = buf.subarray(eol + 2);
      if (packet.length < 4 || packet.length < 4 + packet.readUInt32BE(0)) return;
      // uint32 length, byte padding length, byte 20 (KEXINIT), 16 bytes cookie, then name-lists.
      if (packet[5] !== 20) return fail(new Error(`expected KEXINIT from 127.0.0.1:${port}, got message ${packet[5]}`));
      const kex = nameList(packet, 22);
      const hostKeys = nameList(packet, kex.next);
      const c2s = nameList(packet, hostKeys.next);
      const s2c = nameList(packet, c2s.next);
      clearTimeout(timer);
      sock.destroy();
      resolve({ kex: kex.names, hostKeys: hostKeys.names, ciphers: s2c.names });
    });
  });
}
