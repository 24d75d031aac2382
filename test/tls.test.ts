// TLS end to end with certificates this test makes (openssl): a private CA, a
// server certificate for 127.0.0.1. With tls.certFile/keyFile set, the HTTP
// port speaks only HTTPS (console, gRPC-web, metrics) and the native gRPC port
// only TLS; a client that trusts the CA works, plain clients are refused, and
// auth rides on top.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEngine } from '../engine/app/index.ts';
import { hashSecret } from '../engine/auth/index.ts';
import { ioc } from '../protos/gen/ioc.js';
import { allServices } from '../protos/gen/services.ts';
import { startStack, startTestEngine, type Stack } from './harness/engine.ts';

let dir: string;
let stack: Stack;
let engine: RunningEngine;
let ca: Buffer;

function makeCertificates(d: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Thang Long IOC test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(d, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ioc-tls-'));
  makeCertificates(dir);
  ca = readFileSync(join(dir, 'ca.pem'));
  writeFileSync(join(dir, 'accounts.yaml'), `accounts:\n  - { name: lan, role: operator, secret: "${await hashSecret('operator-secret')}" }\n`);
  stack = await startStack({ database: 'ioc_tls' });
  engine = await startTestEngine(stack, {
    IOC_TLS_CERT_FILE: join(dir, 'server.pem'),
    IOC_TLS_KEY_FILE: join(dir, 'server.key'),
    IOC_AUTH_MODE: 'required',
    IOC_AUTH_ACCOUNTS_FILE: join(dir, 'accounts.yaml'),
  });
}, 120_000);

afterAll(async () => {
  await engine?.stop(1000);
  await stack?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function https(path: string, headers: Record<string, string> = {}, trust = true): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: engine.httpPort, path, headers, ...(trust ? { ca } : { rejectUnauthorized: true }) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const basic = `Basic ${Buffer.from('lan:operator-secret').toString('base64')}`;

describe('TLS on the HTTP and gRPC ports', () => {
  it('serves HTTPS to a client that trusts the CA, refuses plain HTTP and untrusted clients', async () => {
    expect((await https('/healthz')).status).toBe(200);
    expect((await https('/metrics', { authorization: basic })).status).toBe(200);
    await expect(https('/healthz', {}, false)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    // A plain-HTTP request gets no HTTP answer from a TLS port.
    const plain = await fetch(`http://127.0.0.1:${engine.httpPort}/healthz`).then((r) => r.status, (e: unknown) => String(e));
    expect(plain).not.toBe(200);
  });

  it('serves native gRPC over TLS with auth, and refuses a plaintext channel', async () => {
    const Incidents = grpc.makeGenericClientConstructor(allServices['ioc.v1.Incidents'] as unknown as grpc.ServiceDefinition, 'Incidents');
    type Client = Record<string, (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: ioc.v1.ListIncidentsResponse) => void) => void> & grpc.Client;
    const call = (client: Client) =>
      new Promise<number>((resolve) => {
        const md = new grpc.Metadata();
        md.set('authorization', basic);
        client.list!(ioc.v1.ListIncidentsRequest.create({}), md, { deadline: Date.now() + 5000 }, (err) => resolve(err ? err.code : grpc.status.OK));
      });
    const secure = new Incidents(`127.0.0.1:${engine.grpcPort}`, grpc.credentials.createSsl(ca)) as unknown as Client;
    expect(await call(secure)).toBe(grpc.status.OK);
    secure.close();
    const plain = new Incidents(`127.0.0.1:${engine.grpcPort}`, grpc.credentials.createInsecure()) as unknown as Client;
    expect(await call(plain)).toBe(grpc.status.UNAVAILABLE);
    plain.close();
  });
});
