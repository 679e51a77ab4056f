/** Users: create (with an invite link), edit roles and logins, send a reset link, delete. */
import type { WebUser } from '@api/web-wire';
import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { useSession } from '../../components/session-context';
import { ResourceTable } from '../../components/ResourceTable';
import { Button, CopyBlock, PageHeader, relativeTime } from '../../components/ui';
import { UserForm } from './UserForm';
import { useUsers } from './useUsers';

export function Users() {
  const { user: me } = useSession();
  const acl = me.userAcl.users;
  const s = useUsers();
  const [editing, setEditing] = useState<WebUser | 'new'>();
  const [deleting, setDeleting] = useState<WebUser>();
  const [actionError, setActionError] = useState<string>();
  const run = (p: Promise<unknown>) => p.catch((err: Error) => setActionError(err.message));
  return (
    <section>
      <PageHeader
        title="Users"
        subtitle="Local users of this cluster. New users get an invitation link to choose a password and set up an authenticator."
        actions={
          acl.create && (
            <Button variant="primary" onClick={() => setEditing('new')}>
              Create user
            </Button>
          )
        }
      />
      <ResourceTable
        items={s.users}
        error={s.error ?? actionError}
        loadingLabel="Loading users"
        empty={{ title: 'No users', body: 'Create one: they get a link to choose a password.' }}
        rowKey={(u) => u.name}
        columns={[
          {
            header: 'User',
            cell: (u) => (
              <>
                <span className="strong">{u.name}</span>
                {u.name === me.userName && <span className="badge">you</span>}
                {u.locked && (
                  <span className="badge badge-warn" title={u.locked.message}>
                    locked until {new Date(u.locked.until).toLocaleTimeString()}
                  </span>
                )}
              </>
            ),
          },
          {
            header: 'Roles',
            cell: (u) => (
              <div className="chips">
                {u.roles.map((r) => (
                  <span key={r} className="chip">
                    {r}
                  </span>
                ))}
              </div>
            ),
          },
          { header: 'Logins', className: 'mono', cell: (u) => u.traits.logins.join(', ') || <span className="muted">none</span> },
          {
            header: 'Actions',
            hideHeader: true,
            className: 'actions',
            cell: (u) => (
              <>
                {acl.edit && (
                  <>
                    <Button className="btn-sm" onClick={() => setEditing(u)} aria-label={`Edit ${u.name}`}>
                      Edit
                    </Button>
                    <Button className="btn-sm" onClick={() => void run(s.reset(u.name))} aria-label={`Reset ${u.name}`}>
                      Reset
                    </Button>
                  </>
                )}
                {acl.remove && u.name !== me.userName && (
                  <Button className="btn-sm" variant="danger" onClick={() => setDeleting(u)} aria-label={`Delete ${u.name}`}>
                    Delete
                  </Button>
                )}
              </>
            ),
          },
        ]}
      />
      {editing && (
        <UserForm
          user={editing === 'new' ? undefined : editing}
          roles={s.roles}
          onSave={editing === 'new' ? s.create : s.update}
          onClose={() => setEditing(undefined)}
        />
      )}
      <Dialog open={Boolean(s.link)} title={s.link?.type === 'reset' ? 'Password reset link' : 'Invitation link'} onClose={s.clearLink}>
        {s.link && (
          <>
            <p>
              Send this link to <strong>{s.link.user}</strong>. It works once and expires {relativeTime(s.link.expiry)}.
            </p>
            <CopyBlock text={s.link.url} label="link" />
          </>
        )}
      </Dialog>
      <Dialog
        open={Boolean(deleting)}
        title={`Delete ${deleting?.name ?? ''}?`}
        onClose={() => setDeleting(undefined)}
        footer={
          <>
            <Button onClick={() => setDeleting(undefined)}>Cancel</Button>
            <Button
              variant="danger"
              onClick={() => {
                const name = deleting!.name;
                setDeleting(undefined);
                void run(s.remove(name));
              }}
            >
              Delete user
            </Button>
          </>
        }
      >
        <p>The user can no longer sign in. Certificates already issued stay valid until they expire.</p>
      </Dialog>
    </section>
  );
}
