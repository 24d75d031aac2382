import { describe, expect, it } from 'vitest';
import { formatClusterStatus } from './status.ts';

describe('formatClusterStatus', () => {
  it('lists the engines, the router, the owner of the city-wide rules and each partition with its owner and lag, and says which have none', () => {
    const text = formatClusterStatus({
      partitions: 2,
      members: [{ id: 'vm-1', host: 'vm', pid: 1, startedAt: 0, owned: [0, 2] }],
      router: { owner: 'vm-1', pending: 0 },
      city: { owner: 'vm-1', pending: 7 },
      rows: [
        { partition: 0, owner: 'vm-1', pending: 12, inFlight: 3 },
        { partition: 1, owner: undefined, pending: 40, inFlight: undefined },
      ],
    }, 90_000);
    expect(text).toContain('1 engine process(es), 2 partitions');
    expect(text).toContain('vm-1  host vm pid 1, up 90 s, owns 2 slot(s)');
    expect(text).toContain('router: vm-1');
    expect(text).toContain('city-wide rules: vm-1 (IOC_EVENTS not yet read: 7)');
    expect(text).toMatch(/\n\s+0  vm-1\s+12\s+3/);
    expect(text).toMatch(/\n\s+1  nobody\s+40\s+-/);
    expect(text).toContain('1 partition(s) owned by nobody');
  });
});
