/** The roles page state: the list, the role being edited and the save with its validation error. */
import type { ResourceItem } from '@api/web-wire';
import { useCallback, useEffect, useState } from 'react';
import { deleteRole, fetchRoles, saveRole } from '../../services/admin';
import type { ApiError } from '../../services/http';

export const ROLE_TEMPLATE = `kind: role
version: v7
metadata:
  name: new-role
spec:
  allow:
    logins: ['{{internal.logins}}']
    node_labels:
      '*': '*'
  deny: {}
`;

/** A validation error from the server, with the line it points at. */
export interface RoleError {
  message: string;
  field?: string;
  line?: number;
}

export function useRoles() {
  const [roles, setRoles] = useState<ResourceItem[]>();
  const [error, setError] = useState<string>();
  const [editing, setEditing] = useState<{ name?: string; content: string }>();
  const [saveError, setSaveError] = useState<RoleError>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setRoles(await fetchRoles());
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const edit = (r?: ResourceItem) => {
    setSaveError(undefined);
    setEditing(r ? { name: r.name, content: r.content } : { content: ROLE_TEMPLATE });
  };
  const save = async () => {
    if (!editing) return;
    setBusy(true);
    setSaveError(undefined);
    try {
      await saveRole(editing.content, editing.name);
      setEditing(undefined);
      await load();
    } catch (err) {
      const e = err as ApiError;
      setSaveError({ message: e.message, field: e.field, line: e.line });
    } finally {
      setBusy(false);
    }
  };
  const remove = async (name: string) => {
    try {
      await deleteRole(name);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return {
    roles,
    error,
    editing,
    setContent: (content: string) => setEditing((e) => (e ? { ...e, content } : e)),
    edit,
    cancel: () => setEditing(undefined),
    save,
    saveError,
    busy,
    remove,
  };
}
