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
import { readPassword, type CommandSpec, type Invocation } from '../framework/index.js';
import { statusText } from './status-text.js';
import { ssoConnectorOf, ssoLogin } from './login-sso.js';
import { webauthnLogin } from './mfa-login.js';
import { kubeconfigOnLogin, kubeProxyAddrOf, type KubePing } from './kube-hooks.js';
import { loadIdentity, type TshCtx } from './tsh-context.js';

/**
 * The kubeconfig step of a login (kube-hooks.ts). Only a `--kube-cluster` that cannot be selected
 * fails the login; any other trouble leaves the kubeconfig as it was, with a warning.
 */
async function kubeAfterLogin(inv: Invocation, ctx: TshCtx, ping: KubePing): Promise<string | undefined> {
  const wanted = typeof inv.flags['kube-cluster'] === 'string' && inv.flags['kube-cluster'] !== '' ? inv.flags['kube-cluster'] : undefined;
  try {
    return await kubeconfigOnLogin(inv, ctx, await loadIdentity(inv, ctx), ping, wanted);
  } catch (err) {
    if (wanted) throw err;
    inv.io.stderr.write(`WARNING: the kubeconfig was not updated: ${(err as Error).message}\n`);
    return undefined;
  }
}

/** The command spec (`--insecure` is a global flag, as in Teleport's tsh). */
export const loginCommand: CommandSpec<TshCtx> = {
  name: 'login',
  help: 'Log in to a cluster and retrieve the session certificate.',
  flags: [
    { name: 'kube-cluster', type: 'string', help: 'Name of the Kubernetes cluster to login to' },
    { name: 'browser', type: 'string', help: "Set to 'none' to suppress browser opening on login" },
    { name: 'callback', type: 'string', help: 'Override the base URL (host:port) of the link shown when opening a browser for cluster logins' },
  ],
  async run(inv, ctx) {
    const f = inv.flags;
    if (!f.proxy) throw new BadParameterError('--proxy is required for the first login: tsh login --proxy=<host:port> --user=<name>');
    const addr = webProxyAddr(String(f.proxy));
    const user = String(f.user ?? inv.io.env.USER ?? userInfo().username);
    const insecure = Boolean(f.insecure);
    const web = new WebClient({ addr, insecure });
    const ping = await web.ping();
    // --auth=<connector> (or an SSO authentication.type): the browser flow instead of a password.
    const sso = ssoConnectorOf(f.auth, ping);
    const password = sso ? '' : await readPassword(inv.io, `Enter password for Teleport user ${user}:\n`);
    const sf = ping.auth.second_factor;
    // With security keys allowed, an empty code means the key, asked through the browser (mfa-login.ts).
    const keyOK = sf === 'on' || sf === 'optional';
    const otpPrompt = keyOK ? 'Enter an OTP code from a device, or press Enter to use a security key:\n' : 'Enter an OTP code from a device:\n';
    const otp = !sso && (sf === 'otp' || keyOK) ? await readPassword(inv.io, otpPrompt) : '';
    const withKey = !sso && (sf === 'webauthn' || (keyOK && otp.trim() === ''));
    const key = generateUserKey();
    const ttlMinutes = f.ttl === undefined ? undefined : Number(f.ttl);
    if (ttlMinutes !== undefined && !(ttlMinutes > 0)) throw new BadParameterError('--ttl must be a positive number of minutes');
    const keys = { ssh_pub_key: formatAuthorizedKey(key.privateKey), tls_pub_key: key.publicKeyPem, ...(ttlMinutes && { ttl: ttlMinutes * 60 * 1e9 }) };
    const res = sso ? await ssoLogin(inv, web, addr, sso, keys) : withKey ? await webauthnLogin(inv, web, addr, user, password, keys) : await web.sshCerts({
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
    const kubePing = ping.proxy as KubePing;
    const kubeAddr = kubeProxyAddrOf(kubePing, addr);
    await saveLogin(
      home,
      { web_proxy_addr: addr, ...(sshPublic && { ssh_proxy_addr: sshPublic }), user: sso ? res.username : user, cluster: signer?.domain_name ?? ping.cluster_name, ...(insecure && { insecure }), ...(kubeAddr && { kube_proxy_addr: kubeAddr }) },
      {
        privateKey: key.privateKey,
        sshCert: decode(res.cert),
        tlsCert: decode(res.tls_cert),
        tlsCAs: (signer?.tls_certs ?? []).map(decode),
        sshCAKeys: (signer?.checking_keys ?? []).map((k) => decode(k).trim()),
      },
    );
    const kubeCluster = await kubeAfterLogin(inv, ctx, kubePing);
    inv.io.stdout.write(statusText(await loadProfile(home), Date.now(), true, kubeCluster));
    return 0;
  },
};
