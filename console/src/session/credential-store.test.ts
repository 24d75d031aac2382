import { afterEach, describe, expect, it } from 'vitest';
import { basicCredential, bearerCredential, CREDENTIAL_KEY, CredentialStore } from './credential-store.ts';

/** An in-memory Storage (our own stand-in for the browser's). */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() { return m.size; },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

const g = globalThis as { sessionStorage?: Storage; localStorage?: Storage };
afterEach(() => {
  delete g.sessionStorage;
  delete g.localStorage;
});

describe('CredentialStore', () => {
  it('keeps the credential in sessionStorage only, never in localStorage, and clears it on sign-out', () => {
    g.sessionStorage = memoryStorage();
    g.localStorage = memoryStorage();
    const store = new CredentialStore();
    expect(store.get()).toBeUndefined();
    store.set('Basic bGFuOnMzY3JldA==');
    expect(g.sessionStorage.getItem(CREDENTIAL_KEY)).toBe('Basic bGFuOnMzY3JldA==');
    expect(new CredentialStore().get()).toBe('Basic bGFuOnMzY3JldA=='); // a reload of the same tab
    expect(g.localStorage.length).toBe(0);
    store.clear();
    expect(store.get()).toBeUndefined();
    expect(g.sessionStorage.length).toBe(0);
  });

  it('still holds the credential for the page when storage refuses it', () => {
    const refusing = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); }, removeItem: () => {} };
    const store = new CredentialStore(refusing);
    store.set('Bearer abc');
    expect(store.get()).toBe('Bearer abc');
    store.clear();
    expect(store.get()).toBeUndefined();
  });

  it('passes a note to the next page load once', () => {
    const store = new CredentialStore(memoryStorage());
    expect(store.takeNote()).toBeUndefined();
    store.leaveNote('expired');
    expect(store.takeNote()).toBe('expired');
    expect(store.takeNote()).toBeUndefined();
  });
});

describe('credentials', () => {
  it('encodes name:secret as the engine decodes it, UTF-8 included', () => {
    const header = basicCredential('lan', 'mật-khẩu:1');
    expect(header.startsWith('Basic ')).toBe(true);
    expect(Buffer.from(header.slice(6), 'base64').toString('utf8')).toBe('lan:mật-khẩu:1');
  });

  it('takes a pasted token with or without "Bearer", trimming the whitespace a copy brings', () => {
    expect(bearerCredential('  eyJhbGciOi.J9.abc\n')).toBe('Bearer eyJhbGciOi.J9.abc');
    expect(bearerCredential('Bearer eyJ.x.y')).toBe('Bearer eyJ.x.y');
    expect(bearerCredential('eyJ.x\n.y')).toBe('Bearer eyJ.x.y');
    expect(bearerCredential('   ')).toBeUndefined();
  });
});
