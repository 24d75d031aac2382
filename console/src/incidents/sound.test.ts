import { describe, expect, it } from 'vitest';
import { SoundAlarm, tones, type AudioPort, type SoundClock, type Tone } from './sound.ts';
import { incident } from './test-fixtures.ts';

/** Virtual time: `advance` runs the repeating callbacks that fall due. */
function virtualClock(): SoundClock & { advance(ms: number): void } {
  let now = 0;
  const timers = new Set<{ every: number; next: number; fn: () => void }>();
  return {
    now: () => now,
    every(ms, fn) {
      const timer = { every: ms, next: now + ms, fn };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers].filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0];
        if (!due) break;
        now = due.next;
        due.next += due.every;
        due.fn();
      }
      now = end;
    },
  };
}

/** An audio output that records what it played; starts as the browser leaves it. */
function audio(state: 'running' | 'suspended'): AudioPort & { played: Tone[]; allow(): void } {
  let listener = () => {};
  const port = {
    state: state as string,
    played: [] as Tone[],
    resume: async () => port.allow(),
    play: (tone: Tone) => { port.played.push(tone); },
    onStateChange: (l: () => void) => { listener = l; },
    allow: () => { port.state = 'running'; listener(); },
  };
  return port;
}

describe('SoundAlarm', () => {
  it('rings the worst open severity at once and repeats until acknowledged', () => {
    const clock = virtualClock();
    const port = audio('running');
    const alarm = new SoundAlarm(port, clock);
    alarm.update([incident({ id: 'a', severity: 'major' })]);
    expect(port.played).toEqual([tones.major]);
    alarm.update([incident({ id: 'a', severity: 'major' }), incident({ id: 'b', severity: 'critical' })]);
    expect(port.played.at(-1)).toBe(tones.critical);
    clock.advance(10_000);
    expect(port.played.filter((t) => t === tones.critical)).toHaveLength(1 + 10_000 / tones.critical.repeatMs);
    expect(alarm.state()).toMatchObject({ status: 'ringing', severity: 'critical' });
    // Acknowledged: no longer open, so it stops.
    alarm.update([incident({ id: 'a', severity: 'major', state: 'acknowledged' }), incident({ id: 'b', severity: 'critical', state: 'acknowledged' })]);
    const before = port.played.length;
    clock.advance(60_000);
    expect(port.played).toHaveLength(before);
    expect(alarm.state().status).toBe('silent');
  });

  it('stays quiet for a timed mute, then rings again', () => {
    const clock = virtualClock();
    const port = audio('running');
    const alarm = new SoundAlarm(port, clock);
    alarm.mute(5);
    alarm.update([incident({ id: 'a', severity: 'critical' })]);
    clock.advance(5 * 60_000 - 1);
    expect(port.played).toEqual([]);
    expect(alarm.state()).toMatchObject({ status: 'muted', mutedUntil: 5 * 60_000 });
    clock.advance(tones.critical.repeatMs);
    expect(port.played.length).toBeGreaterThan(0);
    expect(alarm.state().status).toBe('ringing');
  });

  it('says when the browser blocks audio, and rings once a gesture unlocks it', async () => {
    const clock = virtualClock();
    const port = audio('suspended');
    const states: string[] = [];
    const alarm = new SoundAlarm(port, clock, (s) => states.push(s.status));
    alarm.update([incident({ id: 'a', severity: 'minor' })]);
    expect(alarm.state()).toMatchObject({ status: 'blocked', audio: 'blocked' });
    expect(port.played).toEqual([]);
    alarm.unlock();
    await Promise.resolve();
    clock.advance(tones.minor.repeatMs);
    expect(port.played).toEqual([tones.minor]);
    expect([...new Set(states)]).toEqual(['blocked', 'ringing']);
  });
});
