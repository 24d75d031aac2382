import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { coalesceMap } from './coalesce.ts';

describe('coalesceMap', () => {
  it('runs one step at a time and merges what arrives meanwhile into the next step', async () => {
    const source = new Subject<number[]>();
    const steps: number[][] = [];
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      source.pipe(coalesceMap((a, b) => [...a, ...b], async (items) => {
        steps.push(items);
        if (steps.length === 1) await new Promise<void>((r) => (release = r));
      })).subscribe({ complete: resolve });
    });
    source.next([1]); // starts the first step, which waits
    source.next([2]);
    source.next([3]);
    source.next([4]);
    expect(steps).toEqual([[1]]);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(steps).toEqual([[1], [2, 3, 4]]);
    source.next([5]);
    source.complete();
    await done;
    expect(steps).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('completes only after the last step has finished', async () => {
    const source = new Subject<number>();
    let finished = false;
    const done = new Promise<void>((resolve) => {
      source.pipe(coalesceMap((a, b) => a + b, async () => {
        await new Promise((r) => setTimeout(r, 20));
        finished = true;
      })).subscribe({ complete: resolve });
    });
    source.next(1);
    source.complete();
    await done;
    expect(finished).toBe(true);
  });

  it('fails the stream when a step fails, and runs nothing after', async () => {
    const source = new Subject<number>();
    const ran: number[] = [];
    const failed = new Promise<unknown>((resolve) => {
      source.pipe(coalesceMap((a, b) => a + b, async (n) => {
        ran.push(n);
        throw new Error(`step ${n} failed`);
      })).subscribe({ error: resolve });
    });
    source.next(1);
    expect(((await failed) as Error).message).toBe('step 1 failed');
    source.next(2);
    expect(ran).toEqual([1]);
  });
});
