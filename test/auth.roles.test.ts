// Roles on the real engine with auth required: for each role, calls that are
// allowed and calls that are refused, over native gRPC (grpc-js) and gRPC-web
// (nice-grpc-web), and on /metrics. Allowed calls may still fail for their own
// reasons (NOT_FOUND on an unknown incident); what matters is that refused ones
// fail with PERMISSION_DENIED, and calls without credentials with UNAUTHENTICATED.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ClientError, createChannel, createClient, Metadata, Status } from 'nice-grpc-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../engine/auth/index.ts';
import type { RunningEngine } from '../engine/app/index.ts';
import { ioc } from '../protos/gen/ioc.js';
import { allServices, IncidentsService, IngestService, QueryService } from '../protos/gen/services.ts';
import { startStack, startTestEngine, waitUntil, type Stack } from './harness/engine.ts';

const ACCOUNTS = { viewer: 'view-pass-1', operator: 'oper-pass-1', 'rule-author': 'rule-pass-1', admin: 'admin-pass-1', integrator: 'integ-pass-1' } as const;
type Role = keyof typeof ACCOUNTS;

let stack: Stack;
let engine: RunningEngine;

beforeAll(async () => {
  stack = await startStack({ database: 'ioc_auth' });
  const file = join(stack.rulesDir, '..', `accounts-${Date.now()}.yaml`);
  const lines = ['accounts:'];
  for (const [role, secret] of Object.entries(ACCOUNTS)) {
    lines.push(`  - { name: ${role}-1, role: ${role}, secret: "${await hashSecret(secret)}"${role === 'integrator' ? ', types: ["water.*"]' : ''} }`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
  engine = await startTestEngine(stack, { IOC_AUTH_MODE: 'required', IOC_AUTH_ACCOUNTS_FILE: file });
}, 120_000);

afterAll(async () => {
  await engine?.stop(1000);
  await stack?.destroy();
});

const basic = (role: Role) => `Basic ${Buffer.from(`${role}-1:${ACCOUNTS[role]}`).toString('base64')}`;

/** The calls tried for every role: one per kind of power. */
const calls = {
  publish: { path: '/ioc.v1.Ingest/Publish' },
  ack: { path: '/ioc.v1.Incidents/Acknowledge' },
  list: { path: '/ioc.v1.Incidents/List' },
  query: { path: '/ioc.v1.Query/Top' },
} as const;
const allowed: Record<Role, (keyof typeof calls)[]> = {
  viewer: ['list', 'query'],
  operator: ['ack', 'list', 'query'],
  'rule-author': ['list', 'query'],
  admin: ['publish', 'ack', 'list', 'query'],
  integrator: ['publish'],
};

/** gRPC-web: the status code of each call (OK = 0). */
async function webCodes(authorization: string | undefined): Promise<Record<keyof typeof calls, number>> {
  const channel = createChannel(`http://127.0.0.1:${engine.httpPort}`);
  const md = authorization ? { metadata: Metadata({ authorization }) } : {};
  const code = (p: Promise<unknown>) => p.then(() => Status.OK, (e: unknown) => (e instanceof ClientError ? e.code : -1));
  const incidents = createClient(IncidentsService, channel);
  const query = createClient(QueryService, channel);
  return {
    publish: -2, // client streaming is not part of gRPC-web: checked over native gRPC below
    ack: await code(incidents.acknowledge(ioc.v1.AcknowledgeRequest.create({ incidentId: 'inc-nope' }), md)),
    list: await code(incidents.list(ioc.v1.ListIncidentsRequest.create({}), md)),
    query: await code(query.top(ioc.v1.TopRequest.create({ by: ioc.v1.TopBy.TOP_BY_ZONE, type: 'water.level', metric: ioc.v1.TopMetric.TOP_METRIC_COUNT, from: Date.now() - 3_600_000, to: Date.now(), limit: 5 }), md)),
  };
}

/** Native gRPC: the status code of each call. */
async function nativeCodes(authorization: string | undefined): Promise<Record<keyof typeof calls, number>> {
  const address = `127.0.0.1:${engine.grpcPort}`;
  const creds = grpc.credentials.createInsecure();
  const md = new grpc.Metadata();
  if (authorization) md.set('authorization', authorization);
  const Incidents = grpc.makeGenericClientConstructor(allServices['ioc.v1.Incidents'] as unknown as grpc.ServiceDefinition, 'Incidents');
  const Query = grpc.makeGenericClientConstructor(allServices['ioc.v1.Query'] as unknown as grpc.ServiceDefinition, 'Query');
  const Ingest = grpc.makeGenericClientConstructor(IngestService as unknown as grpc.ServiceDefinition, 'Ingest');
  const incidents = new Incidents(address, creds) as unknown as Record<string, (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void) => void>;
  const query = new Query(address, creds) as unknown as Record<string, (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void) => void>;
  const ingest = new Ingest(address, creds) as unknown as { publish(md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void): grpc.ClientWritableStream<unknown> };
  const unary = (client: Record<string, (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void) => void>, name: string, req: unknown) =>
    new Promise<number>((resolve) => client[name]!.call(client, req, md, (err) => resolve(err ? err.code : grpc.status.OK)));
  const publish = await new Promise<number>((resolve) => {
    const call = ingest.publish(md, (err) => resolve(err ? err.code : grpc.status.OK));
    call.write(ioc.v1.PublishRequest.create({ event: { id: `auth-${Math.random()}`, type: 'water.level', source: 'wl-auth', time: Date.now(), value: 1 } }));
    call.end();
  });
  const codes = {
    publish,
    ack: await unary(incidents, 'acknowledge', ioc.v1.AcknowledgeRequest.create({ incidentId: 'inc-nope' })),
    list: await unary(incidents, 'list', ioc.v1.ListIncidentsRequest.create({})),
    query: await unary(query, 'top', ioc.v1.TopRequest.create({ by: ioc.v1.TopBy.TOP_BY_ZONE, type: 'water.level', metric: ioc.v1.TopMetric.TOP_METRIC_COUNT, from: Date.now() - 3_600_000, to: Date.now(), limit: 5 })),
  };
  (incidents as unknown as grpc.Client).close();
  (query as unknown as grpc.Client).close();
  (ingest as unknown as grpc.Client).close();
  return codes;
}

describe('roles with auth required', () => {
  for (const role of Object.keys(ACCOUNTS) as Role[]) {
    it(`${role}: allowed calls pass the role check, the others are PERMISSION_DENIED (native gRPC and gRPC-web)`, async () => {
      for (const [transport, codes] of [['native', await nativeCodes(basic(role))], ['web', await webCodes(basic(role))]] as const) {
        for (const call of Object.keys(calls) as (keyof typeof calls)[]) {
          if (codes[call] === -2) continue;
          const refused = codes[call] === Status.PERMISSION_DENIED;
          expect({ transport, call, refused }).toEqual({ transport, call, refused: !allowed[role].includes(call) });
          expect(codes[call]).not.toBe(Status.UNAUTHENTICATED);
        }
      }
    });
  }

  it('calls without credentials or with a wrong secret are UNAUTHENTICATED', async () => {
    for (const codes of [await nativeCodes(undefined), await webCodes(undefined), await nativeCodes(`Basic ${Buffer.from('admin-1:wrong').toString('base64')}`)]) {
      for (const call of Object.keys(calls) as (keyof typeof calls)[]) if (codes[call] !== -2) expect(codes[call]).toBe(Status.UNAUTHENTICATED);
    }
  });

  it('an integrator may publish only the event types it is given, and the audit names the authenticated operator', async () => {
    const channel = createChannel(`http://127.0.0.1:${engine.httpPort}`);
    const address = `127.0.0.1:${engine.grpcPort}`;
    const Ingest = grpc.makeGenericClientConstructor(IngestService as unknown as grpc.ServiceDefinition, 'Ingest');
    const ingest = new Ingest(address, grpc.credentials.createInsecure()) as unknown as { publish(md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: ioc.v1.PublishResponse) => void): grpc.ClientWritableStream<unknown> };
    const md = new grpc.Metadata();
    md.set('authorization', basic('integrator'));
    const res = await new Promise<ioc.v1.PublishResponse>((resolve, reject) => {
      const call = ingest.publish(md, (err, r) => (err ? reject(err) : resolve(r!)));
      call.write(ioc.v1.PublishRequest.create({ event: { id: 'ok-1', type: 'water.level', source: 'wl-1', time: Date.now(), value: 1 } }));
      call.write(ioc.v1.PublishRequest.create({ event: { id: 'no-1', type: 'aq.pm25', source: 'aq-1', time: Date.now(), value: 1 } }));
      call.end();
    });
    expect(res.accepted).toBe(1);
    expect(res.rejections.map((r) => [r.index, r.reason])).toEqual([[1, 'forbidden']]);
    (ingest as unknown as grpc.Client).close();
    // x-ioc-user cannot impersonate: the authenticated account is what the audit records.
    await stack.nc.jetstream().publish('ioc.events.water.level', JSON.stringify({ id: 'auth-flood', type: 'water.level', source: 'wl-auth', time: Date.now(), value: 2.6, zone: 'hoang-mai' }));
    const incidents = createClient(IncidentsService, channel);
    const as = (role: Role, extra: Record<string, string> = {}) => ({ metadata: Metadata({ authorization: basic(role), ...extra }) });
    const id = await waitUntil(async () => (await incidents.list(ioc.v1.ListIncidentsRequest.create({}), as('viewer'))).incidents[0]?.id, 30_000, () => 'an incident');
    await incidents.acknowledge(ioc.v1.AcknowledgeRequest.create({ incidentId: id }), as('operator', { 'x-ioc-user': 'someone-else' }));
    const detail = await incidents.get(ioc.v1.GetIncidentRequest.create({ id }), as('viewer'));
    expect((detail.incident?.timeline ?? []).filter((e) => e.actor !== 'system').map((e) => e.actor)).toEqual(['operator-1']);
  });

  it('/metrics needs a reader; health probes stay open', async () => {
    const url = `http://127.0.0.1:${engine.httpPort}`;
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: basic('integrator') } })).status).toBe(403);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: basic('viewer') } })).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
