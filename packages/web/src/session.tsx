/** The signed-in user, for every page. */
import { createContext, useContext } from 'react';
import type { SignedIn } from '@machi/core';

export const SessionContext = createContext<{ session: SignedIn | null; setSession: (s: SignedIn | null) => void }>({
  session: null,
  setSession: () => {},
});

export function useSession(): SignedIn {
  const { session } = useContext(SessionContext);
  if (session === null) throw new Error('not signed in');
  return session;
}
