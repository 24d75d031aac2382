// The session's states against a WhoAmI written here (our own interface), with
// a host that only counts updates and a store on in-memory storage.
import { describe, expect, it } from 'vitest';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { CredentialStore } from './credential-store.ts';
import { ACT_ON_INCIDENTS, SessionController } from './session-controller.ts';
import type { Identity, WhoAmIFn, WhoAmIResult } from './who-am-i.ts';

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
}

const identity = (over: Partial<Identity> = {}): Identity => ({
  name: 'lan', role: 'operator', via: 'password', types: [], zones: [], requiresSignIn: true,
  allowed: new Set(['/ioc.v1.Incidents/List', ACT_ON_INCIDENTS]), ...over,
});

/** Accepts exactly the credentials given, like an engine with auth required; `open` answers everyone like auth off. */
function engine(accepted: Record<string, Identity>, o: { open?: boolean; down?: boolean } = {}): WhoAmIFn & { calls: (string | undefined)[] } {
  const calls: (string | undefined)[] = [];
  const fn = async (authorization?: string): Promise<WhoAmIResult> => {
    calls.push(authorization);
    if (o.down) return { ok: false, reason: 'unreachable', message: 'Failed to fetch' };
    if (o.open) return { ok: true, identity: identity({ name: 'anonymous', role: 'admin', via: 'none', requiresSignIn: false }) };
    const who = authorization === undefined ? undefined : accepted[authorization];
    return who ? { ok: true, identity: who } : { ok: false, reason: 'refused', message: authorization ? 'unknown account or wrong secret' : 'credentials required' };
  };
  return Object.assign(fn, { calls });
}

function setup(whoAmI: WhoAmIFn, store = new CredentialStore(memoryStorage())) {
  let updates = 0;
  let ready = 0;
  let reloads = 0;
  const host = { addController: (_c: ReactiveController) => {}, requestUpdate: () => { updates++; } } as unknown as ReactiveControllerHost;
  const session = new SessionController(host, { whoAmI, store, onReady: () => { ready++; }, reload: () => { reloads++; }, retryMs: 10 });
  return { session, store, counts: () => ({ updates, ready, reloads }) };
}

describe('SessionController', () => {
  it('shows the sign-in when the engine requires it; a wrong secret says so; the right one signs in and starts the page once', async () => {
    const { session, store, counts } = setup(engine({ 'Basic right': identity() }));
    await session.check();
    expect(session.state).toEqual({ status: 'signed-out', busy: false });
    expect(session.ready).toBe(false);

    await session.signIn({ authorization: 'Basic wrong', kind: 'password' });
    expect(session.state).toMatchObject({ status: 'signed-out', error: { key: 'session.wrong' } });
    expect(store.get()).toBeUndefined();

    await session.signIn({ authorization: 'Bearer bad', kind: 'token' });
    expect(session.state).toMatchObject({ error: { key: 'session.tokenRefused', vars: { message: 'unknown account or wrong secret' } } });

    await session.signIn({ authorization: 'Basic right', kind: 'password' });
    expect(session.snapshot()).toEqual({ status: 'signed-in', name: 'lan', role: 'operator', requiresSignIn: true });
    expect(store.get()).toBe('Basic right');
    expect(counts().ready).toBe(1);
    expect(session.signedInName).toBe('lan');
  });

  it('uses the credential the tab already holds, and drops one the engine no longer takes', async () => {
    const store = new CredentialStore(memoryStorage());
    store.set('Basic right');
    const a = setup(engine({ 'Basic right': identity() }), store);
    await a.session.check();
    expect(a.session.state.status).toBe('signed-in');

    const b = setup(engine({}), store);
    await b.session.check();
    expect(b.session.state).toMatchObject({ status: 'signed-out', error: { key: 'session.expired' } });
    expect(store.get()).toBeUndefined();
  });

  it('says the engine needs no sign-in (demo), and denies nothing there', async () => {
    const { session, counts } = setup(engine({}, { open: true }));
    await session.check();
    expect(session.snapshot()).toMatchObject({ status: 'open', requiresSignIn: false });
    expect(session.denied(ACT_ON_INCIDENTS, 'en')).toBe('');
    expect(session.signedInName).toBe('');
    expect(counts().ready).toBe(1);
  });

  it('tells a viewer why it may not act, in both languages', async () => {
    const viewer = identity({ name: 'minh', role: 'viewer', allowed: new Set(['/ioc.v1.Incidents/List']) });
    const { session } = setup(engine({ 'Basic v': viewer }));
    await session.check();
    await session.signIn({ authorization: 'Basic v', kind: 'password' });
    expect(session.denied('/ioc.v1.Incidents/List', 'en')).toBe('');
    expect(session.denied(ACT_ON_INCIDENTS, 'en')).toBe('The viewer role may not do this');
    expect(session.denied(ACT_ON_INCIDENTS, 'vi')).toBe('Vai trò người xem không được phép làm việc này');
  });

  it('signs out by clearing the credential and reloading; an engine that is down is asked again', async () => {
    const { session, store, counts } = setup(engine({ 'Basic right': identity() }));
    await session.check();
    await session.signIn({ authorization: 'Basic right', kind: 'password' });
    session.signOut();
    expect(store.get()).toBeUndefined();
    expect(counts().reloads).toBe(1);

    const down = engine({}, { down: true });
    const d = setup(down);
    await d.session.check();
    expect(d.session.state).toEqual({ status: 'unreachable', message: 'Failed to fetch' });
    await new Promise((r) => setTimeout(r, 50));
    expect(down.calls.length).toBeGreaterThan(1);
    d.session.hostDisconnected();
  });
});
