import { describe, expect, it } from 'vitest';
import { WallSync, type ChannelLike, type WallMessage, type WallShared } from './wall-sync.ts';

/** BroadcastChannel between windows of one tab set, delivered when `flush()` is called, in order. */
function hub() {
  const members = new Set<ChannelLike>();
  const queue: (() => void)[] = [];
  return {
    channel(): ChannelLike {
      const self: ChannelLike = {
        onmessage: null,
        postMessage(message: WallMessage) {
          const data = structuredClone(message);
          for (const m of members) if (m !== self) queue.push(() => m.onmessage?.({ data }));
        },
        close() { members.delete(self); },
      };
      members.add(self);
      return self;
    },
    flush() { while (queue.length) queue.shift()!(); },
  };
}

const initial: WallShared = { view: 'map', lang: 'vi', cursor: null, incident: null };

describe('WallSync', () => {
  it('brings a window that joins late to what the wall shows', () => {
    const net = hub();
    const a = new WallSync({ initial, channel: net.channel(), id: 'a' });
    a.set({ view: 'queue', lang: 'en', incident: 'INC-7' });
    net.flush();
    const b = new WallSync({ initial, channel: net.channel(), id: 'b' });
    net.flush();
    expect(b.state).toEqual({ view: 'queue', lang: 'en', cursor: null, incident: 'INC-7' });
  });

  it('keeps both of two changes to different fields made at once, and agrees on one of two to the same field', () => {
    const net = hub();
    const a = new WallSync({ initial, channel: net.channel(), id: 'a' });
    const b = new WallSync({ initial, channel: net.channel(), id: 'b' });
    net.flush();
    const seenByB: string[] = [];
    b.subscribe((_s, changed) => seenByB.push(...changed));
    a.set({ lang: 'en', view: 'kpis' });
    b.set({ cursor: 1_700_000_000_000, view: 'queue' });
    net.flush();
    expect(a.state).toEqual(b.state);
    expect(a.state).toMatchObject({ lang: 'en', cursor: 1_700_000_000_000 });
    // Same logical time: the window id decides, the same way everywhere.
    expect(a.state.view).toBe('queue');
    expect(seenByB).toEqual(['cursor', 'view', 'lang']);
  });

  it('ignores a change that changes nothing, and messages it does not understand', () => {
    const net = hub();
    const ch = net.channel();
    const a = new WallSync({ initial, channel: ch, id: 'a' });
    let calls = 0;
    a.subscribe(() => calls++);
    a.set({ view: 'map' });
    ch.onmessage?.({ data: { type: 'state', from: 'x' } });
    ch.onmessage?.({ data: 'hello' });
    expect(calls).toBe(0);
    expect(a.state).toEqual(initial);
  });
});
