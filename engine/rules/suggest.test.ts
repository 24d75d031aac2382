import { describe, expect, it } from 'vitest';
import { closest, didYouMean } from './suggest.ts';

describe('closest', () => {
  const keys = ['id', 'title', 'on', 'where', 'groupBy', 'severity', 'message'];
  it('suggests likely typos only', () => {
    expect(closest('groupby', keys)).toBe('groupBy');
    expect(closest('severty', keys)).toBe('severity');
    expect(closest('mesage', keys)).toBe('message');
    expect(closest('wehre', keys)).toBe('where');
    expect(closest('colour', keys)).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
  });

  it('phrases the suggestion', () => {
    expect(didYouMean('titel', keys)).toBe(' (did you mean `title`?)');
    expect(didYouMean('zzzzzz', keys)).toBe('');
  });
});
