/** Roles: the list, and a YAML editor for creating and editing them with errors marked inline. */
import type { ResourceItem } from '@api/web-wire';
import { useId, useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { useSession } from '../../components/session-context';
import { ResourceTable } from '../../components/ResourceTable';
import { Button, PageHeader } from '../../components/ui';
import { YamlEditor } from './YamlEditor';
import { useRoles, type RoleError } from './useRoles';

/** One line of what a role allows, for the list. */
function summary(r: ResourceItem): string {
  const logins = /logins:\s*\n((?:\s*- .*\n)+)/.exec(r.content)?.[1];
  const n = logins ? logins.trim().split('\n').length : 0;
  const rules = (r.content.match(/resources:/g) ?? []).length;
  return [n ? `${n} login${n === 1 ? '' : 's'}` : '', rules ? `${rules} rule${rules === 1 ? '' : 's'}` : ''].filter(Boolean).join(' · ') || 'no logins or rules';
}

/** The message without its `document 1 (kind: role): ` prefix (and without the field, when shown apart). */
function shortMessage(e: RoleError, withoutField = false): string {
  const m = e.message.replace(/^document \d+(?: \(kind: [^)]*\))?: /i, '');
  return withoutField && e.field && m.startsWith(`${e.field}: `) ? m.slice(e.field.length + 2) : m;
}

export function Roles() {
  const { user } = useSession();
  const acl = user.userAcl.roles;
  const s = useRoles();
  const errId = useId();
  const [deleting, setDeleting] = useState<string>();
  return (
    <section>
      <PageHeader
        title="Roles"
        subtitle="What users may do: logins, which servers by label, and API rules. Edited as YAML, as tctl shows them."
        actions={
          acl.create && (
            <Button variant="primary" onClick={() => s.edit()}>
              Create role
            </Button>
          )
        }
      />
      <ResourceTable
        items={s.roles}
        error={s.error}
        loadingLabel="Loading roles"
        empty={{ title: 'No roles', body: 'Create one to give users logins and access.' }}
        rowKey={(r) => r.id}
        columns={[
          { header: 'Role', className: 'strong', cell: (r) => r.name },
          { header: 'Allows', className: 'muted', cell: summary },
          {
            header: 'Actions',
            hideHeader: true,
            className: 'actions',
            cell: (r) => (
              <>
                <Button className="btn-sm" onClick={() => s.edit(r)} aria-label={`${acl.edit ? 'Edit' : 'View'} role ${r.name}`}>
                  {acl.edit ? 'Edit' : 'View'}
                </Button>
                {acl.remove && (
                  <Button className="btn-sm" variant="danger" onClick={() => setDeleting(r.name)} aria-label={`Delete role ${r.name}`}>
                    Delete
                  </Button>
                )}
              </>
            ),
          },
        ]}
      />
      {s.editing && (
        <Dialog
          open
          wide
          title={s.editing.name ? `Edit role ${s.editing.name}` : 'Create a role'}
          onClose={s.cancel}
          footer={
            <>
              <Button onClick={s.cancel}>Cancel</Button>
              {(s.editing.name ? acl.edit : acl.create) && (
                <Button variant="primary" busy={s.busy} onClick={() => void s.save()}>
                  {s.editing.name ? 'Save changes' : 'Create role'}
                </Button>
              )}
            </>
          }
        >
          <YamlEditor
            label="Role YAML"
            value={s.editing.content}
            onChange={s.setContent}
            errorLine={s.saveError?.line}
            errorText={s.saveError && shortMessage(s.saveError)}
            errorId={errId}
          />
          {s.saveError && (
            <div id={errId} className="editor-error" role="alert">
              <strong>{s.saveError.line ? `Line ${s.saveError.line}` : 'Invalid role'}</strong>
              {s.saveError.field && <code>{s.saveError.field}</code>}
              <span>{shortMessage(s.saveError, true)}</span>
            </div>
          )}
        </Dialog>
      )}
      <Dialog
        open={Boolean(deleting)}
        title={`Delete role ${deleting ?? ''}?`}
        onClose={() => setDeleting(undefined)}
        footer={
          <>
            <Button onClick={() => setDeleting(undefined)}>Cancel</Button>
            <Button
              variant="danger"
              onClick={() => {
                const n = deleting!;
                setDeleting(undefined);
                void s.remove(n);
              }}
            >
              Delete role
            </Button>
          </>
        }
      >
        <p>A role still assigned to users cannot be deleted; remove it from them first.</p>
      </Dialog>
    </section>
  );
}
