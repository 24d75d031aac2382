// The credential of this browser tab, as the `authorization` value the engine
// expects. Kept in sessionStorage: it ends with the tab, is not shared with
// other tabs and does not outlive the browser. Never localStorage, a cookie or
// a URL, where it would stay on a shared operations-room computer.

/** sessionStorage key of the credential. */
export const CREDENTIAL_KEY = 'ioc.session';
/** sessionStorage key of a note for the sign-in shown after a reload (why the user was signed out). */
const NOTE_KEY = 'ioc.session.note';

export type SignOutNote = 'expired';

type Storage_ = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function tabStorage(): Storage_ | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined; // storage disabled: the credential lives only as long as the page
  }
}

/**
 * @example
 * const store = new CredentialStore();
 * store.set(basicCredential('lan', secret)); store.get(); store.clear();
 */
export class CredentialStore {
  private memory: string | undefined;

  constructor(private readonly storage: Storage_ | undefined = tabStorage()) {}

  get(): string | undefined {
    try {
      return this.storage?.getItem(CREDENTIAL_KEY) ?? this.memory;
    } catch {
      return this.memory;
    }
  }

  set(authorization: string): void {
    this.memory = authorization;
    try {
      this.storage?.setItem(CREDENTIAL_KEY, authorization);
    } catch {
      // Full or blocked storage: kept for this page only; a reload asks again.
    }
  }

  clear(): void {
    this.memory = undefined;
    try {
      this.storage?.removeItem(CREDENTIAL_KEY);
    } catch {
      // Nothing stored to remove.
    }
  }

  /** Leaves a note for the next page load (the sign-in says why it is shown). */
  leaveNote(note: SignOutNote): void {
    try {
      this.storage?.setItem(NOTE_KEY, note);
    } catch {
      // The note is a courtesy.
    }
  }

  /** The note left before the reload, removed as it is read. */
  takeNote(): SignOutNote | undefined {
    try {
      const note = this.storage?.getItem(NOTE_KEY);
      this.storage?.removeItem(NOTE_KEY);
      return note === 'expired' ? note : undefined;
    } catch {
      return undefined;
    }
  }
}

/** `Basic base64(name:secret)`, UTF-8 as the engine decodes it (names and secrets may be Vietnamese). */
export function basicCredential(name: string, secret: string): string {
  const bytes = new TextEncoder().encode(`${name}:${secret}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** `Bearer <token>` from a pasted token, with or without its `Bearer ` prefix and stray whitespace; undefined when empty. */
export function bearerCredential(pasted: string): string | undefined {
  const token = pasted.trim().replace(/^Bearer\s+/i, '').replace(/\s+/g, '');
  return token === '' ? undefined : `Bearer ${token}`;
}
