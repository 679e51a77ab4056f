/**
 * `tsh login --proxy=host:port --user=alice [--ttl=minutes] [--insecure]`: asks the proxy how to log
 * in, prompts for the password (and the OTP code when the cluster requires one), sends a fresh key
 * to `/webapi/ssh/certs`, stores the certificates under ~/.tsh and prints the status.
 */
import { userInfo } from 'node:os';
import { WebClient } from '../../api/client/index.js';
import { BadParameterError } from '../../api/errors.js';
import { generateUserKey, loadProfile, saveLogin, tshHome, webProxyAddr } from '../../client/index.js';
import { formatAuthorizedKey } from '../../sshca/index.js';
import { readPassword, type CommandSpec } from '../framework/index.js';
import { statusText } from './status-text.js';
import type { TshCtx } from './tsh-context.js';

/** The command spec (`--insecure` is a global flag, as in Teleport's tsh). */
export const loginCommand: CommandSpec<TshCtx> = {
  name: 'login',
  help: 'Log in to a cluster and retrieve the session certificate.',
  async run(inv) {
    const f = inv.flags;
    if (!f.proxy) throw new BadParameterError('--proxy is required for the first login: tsh login --proxy=<host:port> --user=<name>');
    const addr = webProxyAddr(String(f.proxy));
    const user = String(f.user ?? inv.io.env.USER ?? userInfo().username);
    const insecure = Boolean(f.insecure);
    const web = new WebClient({ addr, insecure });
    const ping = await web.ping();
    const password = await readPassword(inv.io, `Enter password for Teleport user ${user}:\n`);
    const sf = ping.auth.second_factor;
    const otp = sf === 'otp' || sf === 'on' || sf === 'optional' ? await readPassword(inv.io, 'Enter an OTP code from a device:\n') : '';
    const key = generateUserKey();
    const ttlMinutes = f.ttl === undefined ? undefined : Number(f.ttl);
    if (ttlMinutes !== undefined && !(ttlMinutes > 0)) throw new BadParameterError('--ttl must be a positive number of minutes');
    const res = await web.sshCerts({
      user,
      password,
      ...(otp && { otp_token: otp.trim() }),
      ssh_pub_key: formatAuthorizedKey(key.privateKey),
      tls_pub_key: key.publicKeyPem,
      ...(ttlMinutes && { ttl: ttlMinutes * 60 * 1e9 }),
    });
    const signer = res.host_signers[0];
    const decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');
    const home = tshHome(inv.io.env, inv.io.homeDir);
    const sshPublic = ping.proxy.ssh.ssh_public_addr;
    await saveLogin(
      home,
      { web_proxy_addr: addr, ...(sshPublic && { ssh_proxy_addr: sshPublic }), user, cluster: signer?.domain_name ?? ping.cluster_name, ...(insecure && { insecure }) },
      {
        privateKey: key.privateKey,
        sshCert: decode(res.cert),
        tlsCert: decode(res.tls_cert),
        tlsCAs: (signer?.tls_certs ?? []).map(decode),
        sshCAKeys: (signer?.checking_keys ?? []).map((k) => decode(k).trim()),
      },
    );
    inv.io.stdout.write(statusText(await loadProfile(home), Date.now()));
    return 0;
  },
};
