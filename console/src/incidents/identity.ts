// Who the operator at this console says they are, sent as `x-ioc-user` with
// every action. Kept in localStorage so it survives a reload. Not
// authentication: it names the actor only when the engine runs without
// sign-in (`ioc demo`); signed in, the engine records the account instead.

const KEY = 'ioc.operator';
export const defaultOperator = 'operator';

/** The stored name, or "operator" when none (or storage is unavailable). */
export function operatorName(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): string {
  try {
    return storage?.getItem(KEY)?.trim() || defaultOperator;
  } catch {
    return defaultOperator;
  }
}

/** Stores the name (trimmed; empty goes back to the default) and returns what is now in force. */
export function setOperatorName(name: string, storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined = globalThis.localStorage): string {
  const trimmed = name.trim();
  try {
    if (trimmed) storage?.setItem(KEY, trimmed);
    else storage?.removeItem(KEY);
  } catch {
    // Private mode or a full storage: the name still holds for this page.
  }
  return trimmed || defaultOperator;
}
