import { describe, expect, it } from 'vitest';
import { KeptStream, type Clock, type Connection } from './kept-stream.ts';

/** A stream like Incidents/Watch: incidents, then a marker that the snapshot is complete. */
type Msg = { seq: number; end?: true };

const virtualClock = (): Clock => {
  let now = 0;
  return { now: () => now, sleep: async (ms) => { now += ms; } };
};

describe('KeptStream', () => {
  it('is live only once the stream says its snapshot is complete, and reconnects after a gap', async () => {
    const states: Connection['phase'][] = [];
    const applied: number[] = [];
    let calls = 0;
    let expected = 1;
    const stream: KeptStream<Msg> = new KeptStream<Msg>({
      clock: virtualClock(),
      backoff: { delay: () => 10 },
      open: async function* () {
        calls++;
        expected = 1;
        if (calls === 1) { yield { seq: 1 }; yield { seq: 2, end: true }; yield { seq: 4 }; }
        if (calls === 2) { yield { seq: 1 }; yield { seq: 2, end: true }; stream.stop(); }
      },
      onConnection: (c) => states.push(c.phase),
      onUpdate: (m) => {
        if (m.seq !== expected) return 'resync';
        expected++;
        applied.push(m.seq);
        return m.end ? 'live' : 'ok';
      },
    });
    await stream.start();
    expect(applied).toEqual([1, 2, 1, 2]);
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'connecting', 'live']);
  });
});
