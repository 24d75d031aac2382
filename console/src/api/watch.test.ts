import { describe, expect, it } from 'vitest';
import { ioc } from '../../../protos/gen/ioc.js';
import { fromProto } from './watch.ts';

/** Through the wire format, as the browser receives it. */
const roundTrip = (u: ioc.v1.IConsoleUpdate) => ioc.v1.ConsoleUpdate.decode(ioc.v1.ConsoleUpdate.encode(u).finish());

describe('fromProto', () => {
  it('decodes a snapshot, with int64 fields as numbers', () => {
    const update = fromProto(roundTrip({
      seq: 7,
      snapshot: {
        mode: 'embedded',
        sensors: [
          { source: 'wl-1', type: 'water.level', lat: 21.03, lon: 105.85, zone: 'hoan-kiem', value: 1.2, unit: 'm', time: 1_700_000_000_123, severity: ioc.v1.Severity.MAJOR },
          { source: 'hotline', type: 'service.hotline', zone: 'ba-dinh', time: 5 },
        ],
        alerts: [{
          fingerprint: 'fp', rule: 'flood', state: ioc.v1.AlertState.FIRING, severity: ioc.v1.Severity.CRITICAL,
          title: { vi: 'Ngập', en: 'Flood' }, message: { vi: 'Mực nước 2,1 m', en: 'Water 2.1 m' }, zone: 'hoan-kiem',
          source: 'wl-1', value: 2.1, startsAt: 1_700_000_000_000,
        }],
      },
    }));
    expect(update).toEqual({
      kind: 'snapshot', seq: 7, mode: 'embedded',
      sensors: [
        { source: 'wl-1', type: 'water.level', lat: 21.03, lon: 105.85, zone: 'hoan-kiem', value: 1.2, unit: 'm', time: 1_700_000_000_123, severity: 'major' },
        { source: 'hotline', type: 'service.hotline', zone: 'ba-dinh', unit: '', time: 5 },
      ],
      alerts: [{
        fingerprint: 'fp', rule: 'flood', state: 'firing', severity: 'critical', title: { vi: 'Ngập', en: 'Flood' },
        message: { vi: 'Mực nước 2,1 m', en: 'Water 2.1 m' }, zone: 'hoan-kiem', source: 'wl-1', value: 2.1, startsAt: 1_700_000_000_000,
      }],
    });
  });

  it('decodes deltas, including resolved alerts', () => {
    expect(fromProto(roundTrip({ seq: 8, alert: { fingerprint: 'fp', state: ioc.v1.AlertState.RESOLVED, severity: ioc.v1.Severity.MINOR } })))
      .toMatchObject({ kind: 'alert', seq: 8, alert: { fingerprint: 'fp', state: 'resolved', severity: 'minor', startsAt: 0 } });
    expect(fromProto(roundTrip({ seq: 9, sensor: { source: 's', time: 3 } }))).toMatchObject({ kind: 'sensor', seq: 9, sensor: { source: 's', time: 3 } });
  });

  it('skips what it cannot show', () => {
    expect(fromProto(roundTrip({ seq: 1 }))).toBeUndefined();
    expect(fromProto(roundTrip({ seq: 2, alert: { fingerprint: 'x' } }))).toBeUndefined();
  });
});
