/** "Add a server": choose labels, get a one-line install command, see the server join. */
import { useSession } from '../../components/session-context';
import { Alert, Button, CopyBlock, PageHeader, relativeTime } from '../../components/ui';
import { Link, paths } from '../../router';
import { useAddServer } from './useAddServer';

export function AddServer() {
  const { site } = useSession();
  const s = useAddServer(site);
  return (
    <section className="narrow">
      <PageHeader title="Add a server" subtitle="Install the Teleport-TS SSH service on a Linux server and join it to this cluster with a one-time command." />
      <ol className="flow">
        <li className="flow-step">
          <h2>Check the requirements</h2>
          <ul className="bullets">
            <li>Linux with Node.js 20.19 or newer and npm, curl and tar, run as root.</li>
            <li>A C/C++ toolchain (make, g++, python3): native modules are built during the install, which needs access to the npm registry.</li>
            <li>The server must reach this cluster's auth service (port 3025) and the proxy must reach the server on port 3022.</li>
            <li>
              If the proxy's certificate comes from the cluster's own CA (no <code>https_keypairs</code>), give curl that CA: add <code>--cacert ca.pem</code> to the
              command and put <code>TELEPORT_CURL_OPTS='--cacert ca.pem'</code> right after <code>sudo</code>.
            </li>
          </ul>
        </li>
        <li className="flow-step">
          <h2>Label the server (optional)</h2>
          <p className="muted">Labels decide which roles can reach it, e.g. env=staging.</p>
          <div className="label-rows">
            {s.labels.map((l, i) => (
              <div className="label-row" key={i}>
                <label className="sr-only" htmlFor={`lk-${i}`}>
                  Label {i + 1} name
                </label>
                <input id={`lk-${i}`} placeholder="name" value={l.name} onChange={(e) => s.setLabel(i, { ...l, name: e.target.value })} disabled={Boolean(s.token)} />
                <span aria-hidden="true">=</span>
                <label className="sr-only" htmlFor={`lv-${i}`}>
                  Label {i + 1} value
                </label>
                <input id={`lv-${i}`} placeholder="value" value={l.value} onChange={(e) => s.setLabel(i, { ...l, value: e.target.value })} disabled={Boolean(s.token)} />
                {!s.token && s.labels.length > 1 && (
                  <button type="button" className="icon-button" aria-label={`Remove label ${i + 1}`} onClick={() => s.removeLabel(i)}>
                    ×
                  </button>
                )}
              </div>
            ))}
          </div>
          {!s.token && (
            <button type="button" className="link-button" onClick={s.addLabel}>
              + Add a label
            </button>
          )}
        </li>
        <li className="flow-step">
          <h2>Run the install command on the server</h2>
          {!s.token ? (
            <div className="row-actions start">
              <label className="inline-field">
                Valid for
                <select value={s.ttl} onChange={(e) => s.setTtl(Number(e.target.value))}>
                  <option value={1800}>30 minutes</option>
                  <option value={3600}>1 hour</option>
                  <option value={4 * 3600}>4 hours</option>
                </select>
              </label>
              <Button variant="primary" busy={s.busy} onClick={() => void s.generate()}>
                Generate command
              </Button>
            </div>
          ) : (
            <>
              <CopyBlock text={s.token.command} label="install command" />
              <p className="muted small">
                The join token in it expires {relativeTime(s.token.expiry)}. <button type="button" className="link-button" onClick={s.restart}>Start over</button>
              </p>
            </>
          )}
          {s.error && <Alert>{s.error}</Alert>}
        </li>
        {s.token && (
          <li className="flow-step">
            <h2>Wait for the server to join</h2>
            {s.joined.length === 0 ? (
              <p className="waiting" role="status">
                <span className="spinner spinner-sm" aria-hidden="true" /> Waiting for a new server to connect…
              </p>
            ) : (
              <Alert kind="success" title="Connected">
                {s.joined.map((n) => n.hostname).join(', ')} joined the cluster. <Link href={paths.nodes(site)}>Go to servers</Link>
              </Alert>
            )}
          </li>
        )}
      </ol>
    </section>
  );
}
