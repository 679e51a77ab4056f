/** The users page state: users, role names, and the create/edit/reset/delete actions. */
import type { WebUser } from '@api/web-wire';
import { useCallback, useEffect, useState } from 'react';
import { createUser, createUserLink, deleteUser, fetchRoles, fetchUsers, updateUser, type UserLink } from '../../services/admin';

export function useUsers() {
  const [users, setUsers] = useState<WebUser[]>();
  const [roles, setRoles] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [link, setLink] = useState<UserLink>();

  const load = useCallback(async () => {
    try {
      setUsers(await fetchUsers());
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);
  useEffect(() => {
    void load();
    fetchRoles().then((r) => setRoles(r.map((x) => x.name)), () => setRoles([]));
  }, [load]);

  /** Creates the user and their invite link (shown in a dialog). */
  const create = async (name: string, userRoles: string[], logins: string[]) => {
    await createUser({ name, roles: userRoles, traits: { logins } });
    const invite = await createUserLink(name, 'invite');
    await load();
    // Shown as the create dialog closes (both updates land in one render).
    setLink(invite);
  };
  const update = async (name: string, userRoles: string[], logins: string[]) => {
    await updateUser({ name, roles: userRoles, traits: { logins } });
    await load();
  };
  const reset = async (name: string) => setLink(await createUserLink(name, 'password'));
  const remove = async (name: string) => {
    await deleteUser(name);
    await load();
  };
  return { users, roles, error, link, clearLink: () => setLink(undefined), create, update, reset, remove };
}
