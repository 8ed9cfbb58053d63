/** The signed-in user, for every page. */
import { createContext, useContext } from 'react';
import type { Session } from './api';

export const SessionContext = createContext<{ session: Session | null; setSession: (s: Session | null) => void }>({
  session: null,
  setSession: () => {},
});

export function useSession(): Session {
  const { session } = useContext(SessionContext);
  if (session === null) throw new Error('not signed in');
  return session;
}
