// How long sensor updates wait before the map draws them: from the first update
// of a batch reaching the map to the first frame drawn after the source has
// taken that batch in and reloaded its tiles. Pure; the component feeds it times.
// It must stay a few comparisons per frame: it runs on every frame of a busy wall.

/** Delays, in ms, of the most recent batches. */
export interface LagSummary {
  batches: number;
  p50: number;
  p95: number;
  max: number;
}

const KEEP = 4096;

/**
 * @example
 * lag.arrived(performance.now());           // an update reached the map
 * const v = lag.flushed();                  // its batch went to the source
 * source.updateData(diff).then(() => lag.applied(v));
 * map.on('render', () => lag.drawn(performance.now(), map.isSourceLoaded('sensors')));
 */
export class RenderLag {
  private waitingSince: number | undefined;
  private version = 0;
  private appliedVersion = 0;
  private readonly inFlight: { version: number; since: number }[] = [];
  private readonly delays = new Float64Array(KEEP);
  private count = 0;

  /** An update reached the map at `now`. */
  arrived(now: number): void {
    this.waitingSince ??= now;
  }

  /** The updates that arrived so far went to the source; returns the batch's version. */
  flushed(): number {
    this.version++;
    if (this.waitingSince !== undefined) this.inFlight.push({ version: this.version, since: this.waitingSince });
    this.waitingSince = undefined;
    return this.version;
  }

  /** The source has taken in every batch up to `version`. */
  applied(version: number): void {
    this.appliedVersion = Math.max(this.appliedVersion, version);
  }

  /** A frame was drawn at `now`; `loaded` says whether the source's tiles were all current. */
  drawn(now: number, loaded: boolean): void {
    if (!loaded) return;
    while (this.inFlight.length > 0 && this.inFlight[0]!.version <= this.appliedVersion) {
      this.delays[this.count % KEEP] = now - this.inFlight.shift()!.since;
      this.count++;
    }
  }

  /** Forgets every delay measured so far (e.g. after the first snapshot drew). */
  reset(): void {
    this.count = 0;
  }

  summary(): LagSummary {
    const n = Math.min(this.count, KEEP);
    const sorted = Array.from(this.delays.subarray(0, n)).sort((a, b) => a - b);
    const at = (q: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor(q * n))]!);
    return { batches: this.count, p50: at(0.5), p95: at(0.95), max: n === 0 ? 0 : sorted[n - 1]! };
  }
}
