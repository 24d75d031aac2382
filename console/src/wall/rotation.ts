// The wall's auto-rotation between views. The next view depends only on the
// current one, so windows whose timers fire together agree on it.

import type { WallView } from './wall-sync.ts';

/**
 * The view after `current` among those `available` (in their order); the first when `current` is not among them.
 * @example nextView(['map', 'queue', 'kpis'], 'kpis') // 'map'
 */
export function nextView(available: readonly WallView[], current: WallView): WallView {
  if (available.length === 0) return current;
  const i = available.indexOf(current);
  return available[(i + 1) % available.length]!;
}

export interface Timer {
  set(fn: () => void, ms: number): number;
  clear(handle: number): void;
}

const windowTimer: Timer = {
  set: (fn, ms) => window.setTimeout(fn, ms),
  clear: (h) => window.clearTimeout(h),
};

/**
 * Calls `onTick` every `intervalMs` after the last restart() until stop(); restart() on every
 * view change, local or remote, keeps the windows of a wall in step.
 */
export class Rotation {
  private handle = 0;
  private running = false;

  constructor(private readonly intervalMs: number, private readonly onTick: () => void, private readonly timer: Timer = windowTimer) {}

  restart(): void {
    this.stop();
    if (this.intervalMs <= 0) return;
    this.running = true;
    this.arm();
  }

  stop(): void {
    if (this.handle) this.timer.clear(this.handle);
    this.handle = 0;
    this.running = false;
  }

  private arm(): void {
    this.handle = this.timer.set(() => {
      this.handle = 0;
      this.onTick();
      // A tick that moved nothing (no view on the page yet, e.g. behind the sign-in or on a slow
      // start) restarts nothing either: without this the wall would stop rotating for good.
      if (this.running && !this.handle) this.arm();
    }, this.intervalMs);
  }
}
