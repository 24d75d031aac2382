// The incident alarm: a tone per severity, made with Web Audio oscillators (no
// sound files), repeated while any incident is open and not acknowledged, with a
// timed mute and an honest status when the browser blocks audio until a user
// gesture. Time and audio are injected, so the logic is tested in virtual time.
// It must never throw into the UI: audio that fails is reported as blocked.

import { severityRank, type Severity } from '../state/index.ts';
import type { IncidentView } from './types.ts';

export type SoundStatus = 'silent' | 'ringing' | 'muted' | 'blocked';

export interface SoundState {
  /** silent: nothing unacknowledged; ringing: tones playing; muted: by an operator until `mutedUntil`; blocked: the browser holds audio back. */
  status: SoundStatus;
  /** The worst unacknowledged severity; undefined when silent. */
  severity?: Severity;
  /** Epoch ms; 0 when not muted. */
  mutedUntil: number;
  /** Whether the browser lets the page play audio now. */
  audio: 'running' | 'blocked';
  /** Tones played so far (for tests and the devtools prompt). */
  played: number;
}

export interface Tone {
  frequency: number;
  wave: OscillatorType;
  /** Beeps per ring: more for worse, so severity is heard, not only pitched. */
  beeps: number;
  /** Time between rings, ms. */
  repeatMs: number;
}

export const tones: Record<Severity, Tone> = {
  critical: { frequency: 880, wave: 'square', beeps: 3, repeatMs: 2_000 },
  major: { frequency: 660, wave: 'triangle', beeps: 2, repeatMs: 4_000 },
  minor: { frequency: 520, wave: 'sine', beeps: 1, repeatMs: 8_000 },
  info: { frequency: 440, wave: 'sine', beeps: 1, repeatMs: 15_000 },
};

/** The audio output; `webAudio()` in the browser. */
export interface AudioPort {
  /** 'running' when it can play now. */
  readonly state: string;
  /** Asks the browser to allow audio; call from a user gesture. */
  resume(): Promise<void>;
  play(tone: Tone): void;
  /** Called when `state` changes. */
  onStateChange(listener: () => void): void;
}

export interface SoundClock {
  now(): number;
  /** Calls `fn` every `ms`; returns a function that stops it. */
  every(ms: number, fn: () => void): () => void;
}

export const realSoundClock: SoundClock = {
  now: () => Date.now(),
  every: (ms, fn) => {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  },
};

/** The worst severity among incidents still open (acknowledging one silences it). */
export function ringingSeverity(incidents: Iterable<IncidentView>): Severity | undefined {
  let worst: Severity | undefined;
  for (const i of incidents) if (i.state === 'open' && severityRank(i.severity) > severityRank(worst)) worst = i.severity;
  return worst;
}

/**
 * @example
 * const alarm = new SoundAlarm(webAudio(), realSoundClock, (s) => render(s));
 * store.subscribe(() => alarm.update(store.incidents()));
 * document.addEventListener('pointerdown', () => alarm.unlock());
 */
export class SoundAlarm {
  private severity: Severity | undefined;
  private mutedUntil = 0;
  private played = 0;
  private stopTimer: (() => void) | undefined;
  private last: SoundState | undefined;

  constructor(
    private readonly port: AudioPort,
    private readonly clock: SoundClock = realSoundClock,
    private readonly onChange: (state: SoundState) => void = () => {},
  ) {
    port.onStateChange(() => this.changed());
  }

  /** Recomputes what should ring from the incidents held; rings at once when it gets worse. */
  update(incidents: Iterable<IncidentView>): void {
    const severity = ringingSeverity(incidents);
    if (severity === this.severity) return;
    const worse = severityRank(severity) > severityRank(this.severity);
    this.severity = severity;
    this.stopTimer?.();
    this.stopTimer = undefined;
    if (severity !== undefined) {
      this.stopTimer = this.clock.every(tones[severity].repeatMs, () => this.ring());
      if (worse) this.ring();
    }
    this.changed();
  }

  /** Silences the alarm for `minutes`; incidents still show as unacknowledged. */
  mute(minutes: number): void {
    this.mutedUntil = this.clock.now() + minutes * 60_000;
    this.changed();
  }

  unmute(): void {
    this.mutedUntil = 0;
    this.changed();
  }

  /** Asks the browser for audio; only works from a user gesture (click, key). */
  unlock(): void {
    if (this.port.state !== 'running') this.port.resume().then(() => this.changed(), () => this.changed());
  }

  state(): SoundState {
    const audio = this.port.state === 'running' ? 'running' : 'blocked';
    const muted = this.mutedUntil > this.clock.now();
    const status: SoundStatus = this.severity === undefined ? 'silent' : muted ? 'muted' : audio === 'blocked' ? 'blocked' : 'ringing';
    return {
      status, mutedUntil: muted ? this.mutedUntil : 0, audio, played: this.played,
      ...(this.severity ? { severity: this.severity } : {}),
    };
  }

  /** Stops the repeat timer; the alarm is not used again. */
  dispose(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
  }

  private ring(): void {
    const s = this.state();
    if (s.status === 'ringing' && this.severity) {
      try {
        this.port.play(tones[this.severity]);
        this.played++;
      } catch {
        // An audio failure must not reach the UI; the status shows what the browser allows.
      }
    }
    this.changed();
  }

  /** Tells the listener only when something visible changed (the mute ending is noticed on the next tick). */
  private changed(): void {
    const s = this.state();
    const l = this.last;
    if (l && l.status === s.status && l.severity === s.severity && l.mutedUntil === s.mutedUntil && l.audio === s.audio && l.played === s.played) return;
    this.last = s;
    this.onChange(s);
  }
}

/**
 * Web Audio output: an AudioContext made at once (the browser may start it
 * 'suspended' until a user gesture; that is what the indicator shows), one short
 * oscillator per beep. Without Web Audio it stays blocked.
 */
export function webAudio(): AudioPort {
  let ctx: AudioContext | undefined;
  try {
    ctx = new AudioContext();
  } catch {
    ctx = undefined;
  }
  return {
    get state() {
      return ctx?.state ?? 'unavailable';
    },
    resume: () => ctx?.resume() ?? Promise.resolve(),
    play(tone) {
      if (!ctx) return;
      const beep = 0.18;
      for (let n = 0; n < tone.beeps; n++) {
        const start = ctx.currentTime + n * beep * 1.6;
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = tone.wave;
        osc.frequency.value = tone.frequency;
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + beep);
        osc.connect(gain).connect(ctx.destination);
        osc.start(start);
        osc.stop(start + beep + 0.02);
      }
    },
    onStateChange(listener) {
      ctx?.addEventListener('statechange', listener);
    },
  };
}
