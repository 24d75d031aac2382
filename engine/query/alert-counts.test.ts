import { describe, expect, it } from 'vitest';
import { alertCountsSql, incidentCountsSql } from './alert-counts.ts';

const q = { from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 3) };
const squash = (s: { text: string }) => s.text.replace(/\s+/g, ' ');

describe('alert and incident counts', () => {
  it('count distinct firing alerts per day in the time zone, opening only the range days', () => {
    const text = squash(alertCountsSql('ioc', { ...q, rules: ['flood.level'], zones: ['hoan-kiem'] }, 'Asia/Ho_Chi_Minh'));
    expect(text).toContain("toString(toDate(toDateTime(intDiv(starts_at, 1000)), 'Asia/Ho_Chi_Minh')) AS d, rule, zone, uniqExact(fingerprint, starts_at) AS cnt");
    expect(text).toContain("WHERE state = 'firing' AND starts_at >= 1780272000000 AND starts_at < 1780444800000 AND day >= toDate('2026-06-01') AND day <= toDate('2026-06-02')");
    expect(text).toContain("AND rule IN ('flood.level') AND zone IN ('hoan-kiem')");
  });

  it('count distinct opened incidents once per zone, with a day of partition slack', () => {
    const text = squash(incidentCountsSql('ioc', { ...q, types: [] }, 'UTC'));
    expect(text).toContain("ARRAY JOIN arrayDistinct(if(empty(zones), [''], zones)) AS inc_zone");
    expect(text).toContain("WHERE kind = 'opened' AND at >= 1780272000000 AND at < 1780444800000 AND opened_day >= toDate('2026-05-31') AND opened_day <= toDate('2026-06-03')");
    expect(text).not.toContain(' IN (');
  });
});
