// The ioc.v1.Incidents handlers, called through the table createHandlers builds,
// over an in-memory IncidentsApi written here (our own interface, not a server).
// Requests and responses go through protobuf encode/decode, as on the wire.

import { status as GrpcStatus } from '@grpc/grpc-js';
import { Subject } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ioc } from '../../protos/gen/ioc.js';
import { IncidentsService, type MethodDefinition } from '../../protos/gen/services.ts';
import { MemoryBus } from '../bus/index.ts';
import { ConflictError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors/index.ts';
import type { IncidentFilter, IncidentsApi, IncidentUpdate, NewSilence } from '../incidents/index.ts';
import type { AlertRecord, Incident, OperatorAction, Silence } from '../incidents/index.ts';
import { LiveView } from '../live/index.ts';
import { silentLogger } from '../log/index.ts';
import { createMetrics } from '../metrics/index.ts';
import { incidentFromProto, incidentToProto, silenceFromProto, silenceToProto } from './convert.ts';
import type { CallContext, HandlerTable } from './handlers.ts';
import type { IncidentStat, IncidentStatsQuery } from './incidents.ts';
import { createHandlers } from './services.ts';
import { toGrpcStatus } from './status.ts';

const NOW = Date.parse('2026-07-01T08:00:00Z');

function incident(id: string, over: Partial<Incident> = {}): Incident {
  return {
    id,
    type: 'flood',
    policy: 'flood-by-zone',
    title: { vi: 'Ngập lụt Hoàn Kiếm', en: 'Flooding in Hoan Kiem' },
    state: 'open',
    severity: 'major',
    zones: ['hoan-kiem'],
    groupKey: 'hoan-kiem',
    alerts: ['fp-1'],
    openedAt: NOW,
    lastAlertAt: NOW,
    escalationLevel: 0,
    sop: [],
    notifiedAt: 0,
    pendingUpdate: false,
    timeline: [{ seq: 1, at: NOW, actor: 'system', kind: 'opened', detail: 'opened by flood.water-level' }],
    ...over,
  };
}

function alertRecord(fingerprint: string, over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    fingerprint,
    rule: 'flood.water-level',
    family: 'flood',
    key: 'wl-01',
    zone: 'hoan-kiem',
    source: 'wl-01',
    severity: 'major',
    state: 'firing',
    title: { vi: 'Mực nước cao', en: 'High water' },
    message: { vi: 'Mực nước 1,8 m', en: 'Water at 1.8 m' },
    value: 1.8,
    eventId: `ev-${fingerprint}`,
    eventType: 'water.level',
    eventTime: NOW - 60_000,
    startsAt: NOW - 60_000,
    endsAt: 0,
    recentStarts: [NOW - 60_000],
    flapping: false,
    silencedBy: [],
    inhibitedBy: [],
    incidentId: 'inc-1',
    updatedAt: NOW,
    ...over,
  };
}

/** Incident management in memory: records what it is asked, answers from plain maps. */
class FakeIncidents implements IncidentsApi {
  readonly incidents = new Map<string, Incident>();
  readonly alerts = new Map<string, AlertRecord>();
  readonly silenceList: Silence[] = [];
  readonly actions: OperatorAction[] = [];
  readonly filters: IncidentFilter[] = [];
  readonly newSilences: NewSilence[] = [];
  readonly changes = new Subject<IncidentUpdate>();
  /** Thrown by the next act, as incident management would. */
  failNext: Error | undefined;

  list(filter: IncidentFilter): Incident[] {
    this.filters.push(filter);
    return [...this.incidents.values()]
      .filter((i) => !filter.states || filter.states.includes(i.state))
      .sort((a, b) => b.openedAt - a.openedAt)
      .slice(0, filter.limit ?? 200);
  }

  get(id: string): { incident: Incident; alerts: AlertRecord[] } | undefined {
    const found = this.incidents.get(id);
    return found && { incident: found, alerts: [...this.alerts.values()].filter((a) => a.incidentId === id) };
  }

  async act(action: OperatorAction): Promise<Incident> {
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    this.actions.push(action);
    const found = this.incidents.get(action.incidentId);
    if (!found) throw new NotFoundError(`incident ${action.incidentId} does not exist`);
    return found;
  }

  silences(): Silence[] {
    return this.silenceList;
  }

  async createSilence(s: NewSilence): Promise<Silence> {
    this.newSilences.push(s);
    const silence: Silence = { id: `sil-${this.silenceList.length + 1}`, ...s, createdAt: NOW };
    this.silenceList.push(silence);
    return silence;
  }

  async expireSilence(id: string): Promise<Silence> {
    const found = this.silenceList.find((s) => s.id === id);
    if (!found) throw new NotFoundError(`silence ${id} does not exist`);
    found.expiredAt = NOW;
    return found;
  }

  updates() {
    return this.changes.asObservable();
  }
}

const lives: LiveView[] = [];
afterAll(() => lives.forEach((l) => l.close()));

function setup(extra: { stats?: (q: IncidentStatsQuery) => Promise<IncidentStat[]>; noIncidents?: boolean } = {}) {
  const api = new FakeIncidents();
  api.incidents.set('inc-1', incident('inc-1'));
  const live = new LiveView({ flushMs: 60_000 });
  lives.push(live);
  const handlers = createHandlers({
    bus: new MemoryBus(),
    live,
    metrics: createMetrics({ defaultMetrics: false }),
    log: silentLogger(),
    validate: { now: () => NOW, maxFutureMs: 600_000 },
    mode: 'embedded',
    ...(extra.noIncidents ? {} : { incidents: api }),
    ...(extra.stats ? { incidentStats: extra.stats } : {}),
  });
  return { api, handlers };
}

function context(metadata: Record<string, string> = {}, signal = new AbortController().signal): CallContext {
  return { signal, metadata, peer: 'test' };
}
const operator = { 'x-ioc-user': 'lan.nguyen' };

/** A request as a client writes it: any field may be left out. */
type Fields<T> = Partial<Omit<T, 'toJSON' | '$unknowns'>>;

/** Calls a unary method as a transport would: the request and the response cross the wire encoded. */
async function call<Req, Res>(handlers: HandlerTable, m: MethodDefinition<Req, Res>, request: Fields<Req>, metadata: Record<string, string> = operator): Promise<Res> {
  const h = handlers.get(m.path);
  if (h?.kind !== 'unary') throw new Error(`${m.path} is not a unary handler`);
  const res = await h.handle(m.requestDeserialize(m.requestSerialize(request as Req)), context(metadata));
  return m.responseDeserialize(m.responseSerialize(res as Res));
}

/** The gRPC status a failed call ends with. */
async function statusOf(p: Promise<unknown>): Promise<{ code: GrpcStatus; message: string }> {
  try {
    await p;
  } catch (err) {
    return toGrpcStatus(err);
  }
  throw new Error('the call succeeded');
}

describe('conversions', () => {
  it('an incident with its timeline and SOP survives protobuf encode/decode', () => {
    const original = incident('inc-7', {
      state: 'acknowledged',
      severity: 'critical',
      severityOverride: 'critical',
      zones: ['hoan-kiem', 'ba-dinh'],
      alerts: ['fp-1', 'fp-2'],
      acknowledgedAt: NOW + 60_000,
      acknowledgedBy: 'lan.nguyen',
      assignee: 'đội thoát nước',
      escalationLevel: 2,
      notifiedAt: NOW + 30_000,
      pendingUpdate: true,
      sop: [
        { id: 'close-road', title: { vi: 'Phong tỏa đường', en: 'Close the road' }, owner: 'traffic', dueAt: NOW + 600_000, doneAt: NOW + 120_000, doneBy: 'minh.tran', overdue: false },
        { id: 'pumps', title: { vi: 'Bật máy bơm', en: 'Start the pumps' }, owner: 'drainage', dueAt: NOW + 900_000, overdue: true },
      ],
      timeline: [
        { seq: 1, at: NOW, actor: 'system', kind: 'opened', detail: 'opened by flood.water-level' },
        { seq: 2, at: NOW + 1000, actor: 'system', kind: 'alert.added', detail: 'alert fp-2 joined', data: { fingerprint: 'fp-2' } },
        { seq: 3, at: NOW + 60_000, actor: 'lan.nguyen', kind: 'acknowledged', detail: 'acknowledged' },
        { seq: 4, at: NOW + 61_000, actor: 'lan.nguyen', kind: 'severity.changed', detail: 'major → critical', data: { from: 'major', to: 'critical' } },
        { seq: 5, at: NOW + 120_000, actor: 'minh.tran', kind: 'sop.step.done', detail: 'Close the road done', data: { step: 'close-road' } },
      ],
    });
    const wire = ioc.v1.Incident.encode(incidentToProto(original)).finish();
    expect(incidentFromProto(ioc.v1.Incident.decode(wire))).toStrictEqual(original);

    const resolved = incident('inc-8', { state: 'resolved', resolvedAt: NOW + 5000, resolution: 'nước đã rút' });
    expect(incidentFromProto(ioc.v1.Incident.decode(ioc.v1.Incident.encode(incidentToProto(resolved)).finish()))).toStrictEqual(resolved);
  });

  it('a recurring silence and a one-off silence survive protobuf encode/decode', () => {
    const recurring: Silence = {
      id: 'sil-1',
      matchers: { rules: ['flood.*'], zones: ['hoan-kiem'], labels: { family: 'flood' } },
      startsAt: NOW,
      endsAt: NOW + 30 * 86_400_000,
      schedule: { cron: '0 22 * * *', durationMs: 8 * 3_600_000, timezone: 'Asia/Ho_Chi_Minh' },
      createdBy: 'lan.nguyen',
      reason: 'bảo trì cảm biến ban đêm',
      createdAt: NOW - 1000,
    };
    const oneOff: Silence = {
      id: 'sil-2',
      matchers: { sources: ['wl-01'], severities: ['info', 'minor'] },
      startsAt: NOW,
      endsAt: NOW + 3_600_000,
      createdBy: 'minh.tran',
      reason: 'sensor being replaced',
      createdAt: NOW,
      expiredAt: NOW + 600_000,
    };
    for (const s of [recurring, oneOff]) {
      expect(silenceFromProto(ioc.v1.Silence.decode(ioc.v1.Silence.encode(silenceToProto(s)).finish()))).toStrictEqual(s);
    }
  });
});

describe('who acts', () => {
  it('is the x-ioc-user of the call', async () => {
    const { api, handlers } = setup();
    const res = await call(handlers, IncidentsService.acknowledge, { incidentId: 'inc-1' }, { 'x-ioc-user': 'lan.nguyen' });
    expect(res.id).toBe('inc-1');
    expect(api.actions).toEqual([{ kind: 'acknowledge', incidentId: 'inc-1', actor: 'lan.nguyen' }]);
  });

  it('is required for every action and silence change, and the refusal says what to send', async () => {
    const { api, handlers } = setup();
    for (const metadata of [{}, { 'x-ioc-user': '' }, { 'x-ioc-user': '   ' }] as Array<Record<string, string>>) {
      const s = await statusOf(call(handlers, IncidentsService.comment, { incidentId: 'inc-1', text: 'đang xử lý' }, metadata));
      expect(s.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(s.message).toContain('x-ioc-user');
    }
    const silence = { matchers: { zones: ['hoan-kiem'] }, startsAt: NOW, endsAt: NOW + 1000, reason: 'test' };
    expect((await statusOf(call(handlers, IncidentsService.createSilence, silence, {}))).code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect((await statusOf(call(handlers, IncidentsService.expireSilence, { id: 'sil-1' }, {}))).code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(api.actions).toEqual([]);
    expect(api.newSilences).toEqual([]);
  });

  it('is not needed to read', async () => {
    const { handlers } = setup();
    expect((await call(handlers, IncidentsService.list, {}, {})).incidents.map((i) => i.id)).toEqual(['inc-1']);
    expect((await call(handlers, IncidentsService.get, { id: 'inc-1' }, {})).incident?.id).toBe('inc-1');
    expect((await call(handlers, IncidentsService.listSilences, {}, {})).silences).toEqual([]);
  });
});

describe('actions', () => {
  it('each method asks for exactly one operator action', async () => {
    const { api, handlers } = setup();
    const actor = 'lan.nguyen';
    const incidentId = 'inc-1';
    const cases: Array<[Promise<unknown>, OperatorAction]> = [
      [call(handlers, IncidentsService.acknowledge, { incidentId }), { kind: 'acknowledge', incidentId, actor }],
      [call(handlers, IncidentsService.assign, { incidentId, assignee: 'drainage' }), { kind: 'assign', incidentId, actor, assignee: 'drainage' }],
      [call(handlers, IncidentsService.comment, { incidentId, text: 'Đã cử xe bơm' }), { kind: 'comment', incidentId, actor, text: 'Đã cử xe bơm' }],
      [call(handlers, IncidentsService.setSeverity, { incidentId, severity: ioc.v1.Severity.CRITICAL }), { kind: 'set-severity', incidentId, actor, severity: 'critical' }],
      [call(handlers, IncidentsService.resolve, { incidentId, note: 'water receded' }), { kind: 'resolve', incidentId, actor, note: 'water receded' }],
      [call(handlers, IncidentsService.resolve, { incidentId }), { kind: 'resolve', incidentId, actor, note: '' }],
      [call(handlers, IncidentsService.reopen, { incidentId, reason: 'rising again' }), { kind: 'reopen', incidentId, actor, reason: 'rising again' }],
      [call(handlers, IncidentsService.merge, { incidentId, others: ['inc-2', 'inc-3', 'inc-2'] }), { kind: 'merge', incidentId, actor, others: ['inc-2', 'inc-3'] }],
      [call(handlers, IncidentsService.split, { incidentId, alerts: ['fp-2'] }), { kind: 'split', incidentId, actor, alerts: ['fp-2'] }],
      [call(handlers, IncidentsService.setSopStep, { incidentId, step: 'pumps', done: true }), { kind: 'sop-step', incidentId, actor, step: 'pumps', done: true }],
      [call(handlers, IncidentsService.setSopStep, { incidentId, step: 'pumps', done: false }), { kind: 'sop-step', incidentId, actor, step: 'pumps', done: false }],
    ];
    for (const [p] of cases) expect(((await p) as ioc.v1.Incident).id).toBe('inc-1');
    expect(api.actions).toEqual(cases.map(([, action]) => action));
  });

  it('silences are created and expired as the caller', async () => {
    const { api, handlers } = setup();
    const created = await call(handlers, IncidentsService.createSilence, {
      matchers: { rules: ['flood.*'], severities: [ioc.v1.Severity.INFO] },
      startsAt: NOW,
      endsAt: NOW + 86_400_000,
      schedule: { cron: '0 22 * * *', durationMs: 3_600_000 },
      reason: 'bảo trì',
    });
    expect(api.newSilences).toEqual([
      {
        matchers: { rules: ['flood.*'], severities: ['info'] },
        startsAt: NOW,
        endsAt: NOW + 86_400_000,
        schedule: { cron: '0 22 * * *', durationMs: 3_600_000, timezone: 'Asia/Ho_Chi_Minh' },
        createdBy: 'lan.nguyen',
        reason: 'bảo trì',
      },
    ]);
    expect(created.createdBy).toBe('lan.nguyen');
    const expired = await call(handlers, IncidentsService.expireSilence, { id: created.id });
    expect(expired.expiredAt).toBe(NOW);
    expect((await call(handlers, IncidentsService.listSilences, {})).silences.map((s) => s.id)).toEqual([created.id]);
  });
});

describe('validation', () => {
  const kib = 'ệ'.repeat(1366); // 3 bytes each: 4098 bytes, though only 1366 characters
  const silence = { matchers: { zones: ['hoan-kiem'] }, startsAt: NOW, endsAt: NOW + 1000, reason: 'test' };
  const bad: Array<[string, (h: HandlerTable) => Promise<unknown>, RegExp]> = [
    ['empty id', (h) => call(h, IncidentsService.acknowledge, { incidentId: '' }), /incident_id is empty/],
    ['empty Get id', (h) => call(h, IncidentsService.get, { id: ' ' }), /id is empty/],
    ['unknown severity', (h) => call(h, IncidentsService.setSeverity, { incidentId: 'inc-1', severity: 9 as ioc.v1.Severity }), /severity 9 is not a severity/],
    ['unspecified severity', (h) => call(h, IncidentsService.setSeverity, { incidentId: 'inc-1' }), /severity 0 is not a severity/],
    ['empty comment', (h) => call(h, IncidentsService.comment, { incidentId: 'inc-1', text: '  ' }), /text is empty/],
    ['comment over 4 KiB', (h) => call(h, IncidentsService.comment, { incidentId: 'inc-1', text: kib }), /text is 4098 bytes .*limit is 4096/],
    ['empty assignee', (h) => call(h, IncidentsService.assign, { incidentId: 'inc-1' }), /assignee is empty/],
    ['merge with nothing', (h) => call(h, IncidentsService.merge, { incidentId: 'inc-1' }), /others is empty/],
    ['merge into itself', (h) => call(h, IncidentsService.merge, { incidentId: 'inc-1', others: ['inc-1'] }), /merged into itself/],
    ['split nothing', (h) => call(h, IncidentsService.split, { incidentId: 'inc-1', alerts: [] }), /alerts is empty/],
    ['empty SOP step', (h) => call(h, IncidentsService.setSopStep, { incidentId: 'inc-1', done: true }), /step is empty/],
    ['list from > to', (h) => call(h, IncidentsService.list, { from: NOW, to: NOW - 1 }), /from .* is after to/],
    ['list limit > 1000', (h) => call(h, IncidentsService.list, { limit: 1001 }), /limit is 1001; the most is 1000/],
    ['list unknown severity', (h) => call(h, IncidentsService.list, { severities: [7 as ioc.v1.Severity] }), /severities\[0\] 7 is not a severity/],
    ['list unknown state', (h) => call(h, IncidentsService.list, { states: [ioc.v1.IncidentState.INCIDENT_STATE_UNSPECIFIED] }), /states\[0\] 0 is not an incident state/],
    ['silence without matchers', (h) => call(h, IncidentsService.createSilence, { ...silence, matchers: {} }), /matchers is empty/],
    ['silence without any matcher field', (h) => call(h, IncidentsService.createSilence, { ...silence, matchers: undefined }), /matchers is empty/],
    ['silence ends before it starts', (h) => call(h, IncidentsService.createSilence, { ...silence, endsAt: NOW }), /ends_at .* must be after starts_at/],
    ['silence without start', (h) => call(h, IncidentsService.createSilence, { ...silence, startsAt: 0 }), /starts_at is missing/],
    ['silence with unknown severity', (h) => call(h, IncidentsService.createSilence, { ...silence, matchers: { severities: [5 as ioc.v1.Severity] } }), /matchers\.severities\[0\]/],
    ['silence without reason', (h) => call(h, IncidentsService.createSilence, { ...silence, reason: '' }), /reason is empty/],
    ['silence with empty cron', (h) => call(h, IncidentsService.createSilence, { ...silence, schedule: { durationMs: 1000 } }), /schedule\.cron is empty/],
    ['silence with no window', (h) => call(h, IncidentsService.createSilence, { ...silence, schedule: { cron: '0 22 * * *' } }), /schedule\.duration_ms is 0/],
    ['silence with bad zone', (h) => call(h, IncidentsService.createSilence, { ...silence, schedule: { cron: '0 22 * * *', durationMs: 1, timezone: 'Mars/Olympus' } }), /schedule\.timezone "Mars\/Olympus"/],
    ['stats from > to', (h) => call(h, IncidentsService.stats, { from: NOW, to: NOW - 1 }), /from .* is after to/],
    ['expire without id', (h) => call(h, IncidentsService.expireSilence, {}), /id is empty: name the silence/],
  ];
  it.each(bad)('%s is INVALID_ARGUMENT, naming the field', async (_name, run, message) => {
    const { api, handlers } = setup();
    const s = await statusOf(run(handlers));
    expect(s.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(s.message).toMatch(message);
    expect(api.actions).toEqual([]);
    expect(api.newSilences).toEqual([]);
  });
});

describe('errors from incident management', () => {
  it('become the matching gRPC codes', async () => {
    const { api, handlers } = setup();
    const cases: Array<[Error, GrpcStatus]> = [
      [new NotFoundError('incident inc-9 does not exist'), GrpcStatus.NOT_FOUND],
      [new FailedPreconditionError('incident inc-1 is resolved'), GrpcStatus.FAILED_PRECONDITION],
      [new ConflictError('incident inc-1 changed; retry'), GrpcStatus.ABORTED],
      [new InvalidArgumentError('no SOP step pumps'), GrpcStatus.INVALID_ARGUMENT],
    ];
    for (const [err, code] of cases) {
      api.failNext = err;
      const s = await statusOf(call(handlers, IncidentsService.acknowledge, { incidentId: 'inc-1' }));
      expect(s).toEqual({ code, message: err.message });
    }
    expect((await statusOf(call(handlers, IncidentsService.get, { id: 'inc-404' }))).code).toBe(GrpcStatus.NOT_FOUND);
    expect((await statusOf(call(handlers, IncidentsService.expireSilence, { id: 'sil-404' }))).code).toBe(GrpcStatus.NOT_FOUND);
  });

  it('without incident management the methods are not in the table (the transports answer UNIMPLEMENTED)', () => {
    const { handlers } = setup({ noIncidents: true });
    for (const m of Object.values(IncidentsService)) expect(handlers.has(m.path), m.path).toBe(false);
    expect(setup().handlers.has(IncidentsService.watch.path)).toBe(true);
  });
});

describe('List and Get', () => {
  it('List passes the filter, leaves timelines out and says when there are more', async () => {
    const { api, handlers } = setup();
    for (let i = 2; i <= 4; i++) api.incidents.set(`inc-${i}`, incident(`inc-${i}`, { openedAt: NOW + i }));
    const res = await call(handlers, IncidentsService.list, {
      states: [ioc.v1.IncidentState.INCIDENT_STATE_OPEN],
      severities: [ioc.v1.Severity.MAJOR],
      zones: ['hoan-kiem'],
      from: NOW - 1000,
      to: NOW + 1000,
      text: 'ngập',
      limit: 2,
    });
    expect(res.incidents.map((i) => i.id)).toEqual(['inc-4', 'inc-3']);
    expect(res.incidents.map((i) => i.timeline)).toEqual([[], []]);
    expect(res.more).toBe(true);
    expect(api.filters.at(-1)).toEqual({ states: ['open'], severities: ['major'], zones: ['hoan-kiem'], from: NOW - 1000, to: NOW + 1000, text: 'ngập', limit: 3 });
    const all = await call(handlers, IncidentsService.list, {});
    expect(all.more).toBe(false);
    expect(api.filters.at(-1)).toEqual({ limit: 201 });
  });

  it('Get returns the timeline, the alerts in the order they joined and each event behind them once', async () => {
    const { api, handlers } = setup();
    api.incidents.set('inc-1', incident('inc-1', { alerts: ['fp-1', 'fp-2', 'fp-3'] }));
    api.alerts.set('fp-3', alertRecord('fp-3', { eventId: 'ev-shared', eventTime: NOW - 1000 }));
    api.alerts.set('fp-1', alertRecord('fp-1', { eventTime: NOW - 5000 }));
    api.alerts.set('fp-2', alertRecord('fp-2', { eventId: 'ev-shared', eventTime: NOW - 1000, value: undefined }));
    const res = await call(handlers, IncidentsService.get, { id: 'inc-1' });
    expect(res.incident?.timeline?.map((e) => e.kind)).toEqual([ioc.v1.TimelineKind.TIMELINE_KIND_OPENED]);
    expect(res.alerts.map((a) => a.fingerprint)).toEqual(['fp-1', 'fp-2', 'fp-3']);
    expect(res.alerts[0]).toMatchObject({ family: 'flood', state: ioc.v1.AlertState.FIRING, value: 1.8, incidentId: 'inc-1', recentStarts: [NOW - 60_000] });
    expect(res.evidence.map((e) => [e.eventId, e.eventTime])).toEqual([
      ['ev-shared', NOW - 1000],
      ['ev-fp-1', NOW - 5000],
    ]);
  });
});

describe('Watch', () => {
  it('sends the unresolved incidents, marks the end of the snapshot, then every change until the client goes away', async () => {
    const { api, handlers } = setup();
    api.incidents.set('inc-2', incident('inc-2', { state: 'acknowledged', openedAt: NOW + 1 }));
    api.incidents.set('inc-3', incident('inc-3', { state: 'resolved', openedAt: NOW + 2 }));
    const h = handlers.get(IncidentsService.watch.path);
    if (h?.kind !== 'serverStream') throw new Error('Watch is not a server stream');
    const ac = new AbortController();
    const stream = h.handle({}, context({}, ac.signal))[Symbol.asyncIterator]();
    const next = async () => {
      const r = await stream.next();
      if (r.done) throw new Error('the stream ended');
      const m = IncidentsService.watch;
      return m.responseDeserialize(m.responseSerialize(r.value as ioc.v1.IncidentUpdate));
    };

    const snapshot = [await next(), await next(), await next()];
    expect(snapshot.map((u) => [Number(u.seq), u.kind, u.incident?.id ?? u.snapshotEnd?.incidents])).toEqual([
      [1, 'incident', 'inc-2'],
      [2, 'incident', 'inc-1'],
      [3, 'snapshotEnd', 2],
    ]);
    expect(snapshot[0]!.incident?.timeline).toHaveLength(1);

    const changed = incident('inc-1', { state: 'acknowledged', acknowledgedBy: 'lan.nguyen', acknowledgedAt: NOW + 10 });
    const silence: Silence = { id: 'sil-1', matchers: { zones: ['ba-dinh'] }, startsAt: NOW, endsAt: NOW + 1000, createdBy: 'lan.nguyen', reason: 'test', createdAt: NOW };
    api.changes.next({ kind: 'incident', incident: changed });
    api.changes.next({ kind: 'incident.removed', incidentId: 'inc-2', mergedInto: 'inc-1' });
    api.changes.next({ kind: 'alert', alert: alertRecord('fp-9') });
    api.changes.next({ kind: 'silence', silence });
    const live = [await next(), await next(), await next(), await next()];
    expect(live.map((u) => [Number(u.seq), u.kind])).toEqual([
      [4, 'incident'],
      [5, 'removed'],
      [6, 'alert'],
      [7, 'silence'],
    ]);
    expect(incidentFromProto(live[0]!.incident!)).toStrictEqual(changed);
    expect(live[1]!.removed).toEqual(expect.objectContaining({ incidentId: 'inc-2', mergedInto: 'inc-1' }));
    expect(live[2]!.alert?.fingerprint).toBe('fp-9');
    expect(silenceFromProto(live[3]!.silence!)).toStrictEqual(silence);

    const pending = stream.next();
    ac.abort();
    expect((await pending).done).toBe(true);
    expect(api.changes.observed).toBe(false);
  });
});

describe('Stats', () => {
  it('needs ClickHouse: FAILED_PRECONDITION without a history store', async () => {
    const { handlers } = setup();
    const s = await statusOf(call(handlers, IncidentsService.stats, { from: NOW - 86_400_000, to: NOW }));
    expect(s.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(s.message).toContain('ClickHouse');
  });

  it('passes the range and filters, and leaves a mean unset when there is none', async () => {
    const queries: IncidentStatsQuery[] = [];
    const { handlers } = setup({
      stats: async (q) => {
        queries.push(q);
        return [
          { type: 'flood', zone: 'hoan-kiem', incidents: 4, acknowledged: 3, resolved: 2, mttaMs: 90_000, mttrMs: 3_600_000 },
          { type: 'flood', zone: 'ba-dinh', incidents: 1, acknowledged: 0, resolved: 0, mttaMs: null, mttrMs: null },
        ];
      },
    });
    const res = await call(handlers, IncidentsService.stats, { from: NOW - 86_400_000, to: NOW, types: ['flood'] });
    expect(queries).toEqual([{ from: NOW - 86_400_000, to: NOW, types: ['flood'] }]);
    expect(res.stats.map((s) => [s.zone, s.incidents, s.mttaMs ?? null, s.mttrMs ?? null])).toEqual([
      ['hoan-kiem', 4, 90_000, 3_600_000],
      ['ba-dinh', 1, null, null],
    ]);
  });
});
