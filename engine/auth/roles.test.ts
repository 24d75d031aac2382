import { describe, expect, it } from 'vitest';
import { allServices } from '../../protos/gen/services.ts';
import { methodRoles, roles } from './roles.ts';

describe('the role table', () => {
  const paths = Object.values(allServices).flatMap((s) => Object.values(s as Record<string, { path: string }>).map((m) => m.path));

  it('has an entry for every gRPC method the engine serves (a new method without one fails here)', () => {
    expect(paths.filter((p) => methodRoles[p] === undefined)).toEqual([]);
  });

  it('names no method that does not exist, and only known roles', () => {
    expect(Object.keys(methodRoles).filter((p) => !paths.includes(p))).toEqual([]);
    for (const allowed of Object.values(methodRoles)) for (const r of allowed) expect(roles).toContain(r);
  });

  it('keeps integrators to ingest and alerts, and viewers to reading', () => {
    const of = (role: string) => Object.entries(methodRoles).filter(([, rs]) => rs.includes(role as never)).map(([p]) => p).sort();
    expect(of('integrator')).toEqual(['/ioc.v1.Alerts/Subscribe', '/ioc.v1.Ingest/Publish', '/ioc.v1.Session/WhoAmI']);
    expect(of('viewer').every((p) => !/Acknowledge|Resolve|Publish|Backtest|CreateSilence/.test(p))).toBe(true);
    expect(of('admin')).toEqual([...paths].sort());
  });
});
