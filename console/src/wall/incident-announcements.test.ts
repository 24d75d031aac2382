import { describe, expect, it } from 'vitest';
import { CriticalIncidents, type IncidentLike } from './incident-announcements.ts';

const inc = (id: string, severity: IncidentLike['severity'], state: IncidentLike['state'] = 'open'): IncidentLike => ({ id, severity, state });
const ids = (news: { incident: IncidentLike; escalated: boolean }[]) => news.map((n) => `${n.incident.id}${n.escalated ? '↑' : '+'}`);

describe('CriticalIncidents', () => {
  it('announces nothing before the first snapshot, nor what the snapshot already held', () => {
    const news = new CriticalIncidents();
    expect(news.update([inc('a', 'critical')])).toEqual([]);
    news.prime([inc('a', 'critical'), inc('b', 'major')]);
    expect(news.update([inc('a', 'critical')])).toEqual([]);
  });

  it('announces an incident that appears critical, once, and one that escalates to critical as escalated', () => {
    const news = new CriticalIncidents();
    news.prime([inc('b', 'major')]);
    expect(ids(news.update([inc('c', 'critical'), inc('d', 'minor')]))).toEqual(['c+']);
    // Acknowledging it, or any other change that keeps it critical, is not news.
    expect(news.update([inc('c', 'critical', 'acknowledged')])).toEqual([]);
    expect(ids(news.update([inc('b', 'critical')]))).toEqual(['b↑']);
    expect(news.update([inc('b', 'critical'), inc('d', 'major')])).toEqual([]);
  });

  it('announces again one that went down and back up, or was resolved and reopened critical; forgets merged ones', () => {
    const news = new CriticalIncidents();
    news.prime([inc('a', 'critical'), inc('m', 'critical')]);
    expect(news.update([inc('a', 'major')])).toEqual([]);
    expect(ids(news.update([inc('a', 'critical')]))).toEqual(['a↑']);
    expect(news.update([inc('a', 'critical', 'resolved')])).toEqual([]);
    expect(ids(news.update([inc('a', 'critical')]))).toEqual(['a+']);
    expect(news.update([], ['m'])).toEqual([]);
    expect(ids(news.update([inc('m', 'critical')]))).toEqual(['m+']);
  });
});
