import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { batchBy } from './batch-by.ts';

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}
const arrays = (maxSize: number, maxDelayMs: number, s: TestScheduler) =>
  batchBy<string, string[]>({ open: () => [], add: (b, x) => b.push(x), size: (b) => b.length, maxSize, maxDelayMs, scheduler: s });

describe('batchBy', () => {
  it('emits when a batch is full', () => {
    const s = scheduler();
    s.run(({ cold, expectObservable }) => {
      expectObservable(cold('abcde|').pipe(arrays(2, 100, s))).toBe('-x-y-(z|)', { x: ['a', 'b'], y: ['c', 'd'], z: ['e'] });
    });
  });

  it('emits a partial batch maxDelay after its first item, and opens no timer while empty', () => {
    const s = scheduler();
    s.run(({ cold, expectObservable }) => {
      // a at 0 → flushed at 10; b at 20, c at 25 → flushed at 30; nothing until d at 50 → flushed at 60.
      expectObservable(cold('a 19ms b 4ms c 24ms d 20ms |').pipe(arrays(10, 10, s))).toBe('10ms x 19ms y 29ms z 10ms |', {
        x: ['a'], y: ['b', 'c'], z: ['d'],
      });
    });
  });

  it('errors the stream when adding throws, without emitting the broken batch', () => {
    const s = scheduler();
    s.run(({ cold, expectObservable }) => {
      const op = batchBy<string, string[]>({
        open: () => [], size: (b) => b.length, maxSize: 10, maxDelayMs: 5, scheduler: s,
        add: (b, x) => {
          if (x === 'b') throw new Error('bad');
          b.push(x);
        },
      });
      expectObservable(cold('ab').pipe(op)).toBe('-#', undefined, new Error('bad'));
    });
  });
});
