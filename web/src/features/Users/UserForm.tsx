/** The create/edit user dialog: name, roles (checkboxes) and OS logins. */
import type { WebUser } from '@api/web-wire';
import { useState, type FormEvent } from 'react';
import { Dialog } from '../../components/Dialog';
import { Alert, Button, Field } from '../../components/ui';

export function UserForm({ user, roles, onSave, onClose }: { user?: WebUser; roles: string[]; onSave: (name: string, roles: string[], logins: string[]) => Promise<void>; onClose: () => void }) {
  const [name, setName] = useState(user?.name ?? '');
  const [picked, setPicked] = useState<string[]>(user?.roles ?? ['access']);
  const [logins, setLogins] = useState((user?.traits.logins ?? []).join(', '));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSave(
        name.trim(),
        picked,
        logins
          .split(/[,\s]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      );
      onClose();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  const toggle = (r: string) => setPicked((p) => (p.includes(r) ? p.filter((x) => x !== r) : [...p, r]));
  return (
    <Dialog open title={user ? `Edit ${user.name}` : 'Create a user'} onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <Field label="Username" value={name} onChange={(e) => setName(e.target.value)} readOnly={Boolean(user)} required autoFocus={!user} autoComplete="off" />
        <fieldset className="fieldset">
          <legend>Roles</legend>
          <div className="checks">
            {roles.map((r) => (
              <label key={r} className="check">
                <input type="checkbox" checked={picked.includes(r)} onChange={() => toggle(r)} />
                {r}
              </label>
            ))}
          </div>
        </fieldset>
        <Field
          label="Logins"
          value={logins}
          onChange={(e) => setLogins(e.target.value)}
          hint="OS users this person may log in as (the {{internal.logins}} trait), separated by commas."
          placeholder="ubuntu, root"
          autoComplete="off"
        />
        {error && <Alert>{error}</Alert>}
        <div className="row-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={picked.length === 0}>
            {user ? 'Save changes' : 'Create user'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
