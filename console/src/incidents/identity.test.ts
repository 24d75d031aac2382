import { describe, expect, it } from 'vitest';
import { operatorName, setOperatorName } from './identity.ts';

function memory(): Storage {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k),
    clear: () => m.clear(), key: () => null, get length() { return m.size; },
  };
}

describe('operator name', () => {
  it('is "operator" until set, kept trimmed, and back to the default when cleared', () => {
    const s = memory();
    expect(operatorName(s)).toBe('operator');
    expect(setOperatorName('  lan ', s)).toBe('lan');
    expect(operatorName(s)).toBe('lan');
    expect(setOperatorName('   ', s)).toBe('operator');
    expect(operatorName(s)).toBe('operator');
    expect(operatorName(undefined)).toBe('operator');
  });
});
