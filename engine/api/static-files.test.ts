import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler, safeRelativePath } from './static-files.ts';

// An in-process loopback server: the handler's contract is about real HTTP requests.
let base = '';
let server: http.Server;
const top = mkdtempSync(join(tmpdir(), 'ioc-static-'));
const root = join(top, 'dist');

beforeAll(async () => {
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Trung tâm điều hành</title>');
  writeFileSync(join(root, 'assets', 'index-AbC123_x.js'), 'console.log("hi")');
  writeFileSync(join(root, 'hanoi-districts.geojson'), '{"type":"FeatureCollection","features":[]}');
  writeFileSync(join(root, '.env'), 'SECRET=1');
  writeFileSync(join(top, 'secret.txt'), 'outside the root');
  symlinkSync(join(top, 'secret.txt'), join(root, 'link.txt'));
  server = http.createServer((req, res) => {
    if (!createStaticHandler(root)(req, res)) res.writeHead(405).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
  rmSync(top, { recursive: true, force: true });
});

/** Sends the path exactly as written (fetch would normalize `..` away). */
async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const req = http.request(`${base}/`, { method, path, headers });
  req.end();
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode, headers: res.headers, body };
}

describe('createStaticHandler', () => {
  it('serves index.html for / and for client-side routes, revalidated every time', async () => {
    for (const path of ['/', '/incidents/42', '/?lang=en']) {
      const r = await get(path);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.body).toContain('Trung tâm điều hành');
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
      expect(r.headers['content-security-policy']).not.toContain('unsafe');
    }
  });

  it('caches hashed assets for a year and types them', async () => {
    const r = await get('/assets/index-AbC123_x.js');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/hanoi-districts.geojson')).headers['content-type']).toBe('application/geo+json; charset=utf-8');
  });

  it('answers 304 when the ETag matches, and HEAD without a body', async () => {
    const first = await get('/assets/index-AbC123_x.js');
    const again = await get('/assets/index-AbC123_x.js', { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    const head = await get('/assets/index-AbC123_x.js', {}, 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe('17');
  });

  it('answers 404 for a missing asset instead of the app page', async () => {
    expect((await get('/assets/gone-12345678.js')).status).toBe(404);
  });

  it('never serves outside the root, dotfiles or through symlinks', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/.env', '/link.txt', '/%00', '/a\\..\\secret.txt', '/%E0%A4%A']) {
      const r = await get(path);
      expect(r.body, path).not.toContain('outside the root');
      expect(r.body, path).not.toContain('SECRET');
      expect([400, 404], path).toContain(r.status);
    }
  });

  it('leaves other methods to other routes', async () => {
    expect((await get('/', {}, 'POST')).status).toBe(405);
  });

  it('says so when the console is not built', async () => {
    const bare = http.createServer((req, res) => void createStaticHandler(join(top, 'missing'))(req, res));
    bare.listen(0, '127.0.0.1');
    await once(bare, 'listening');
    const res = await fetch(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:console');
    bare.close();
  });
});

describe('safeRelativePath', () => {
  it('keeps plain paths and refuses escapes', () => {
    expect(safeRelativePath('/')).toBe('');
    expect(safeRelativePath('/assets/a-1.js')).toBe('assets/a-1.js');
    expect(safeRelativePath('/B%E1%BA%A3n%20%C4%91%E1%BB%93.png')).toBe('Bản đồ.png');
    for (const bad of ['/..', '/a/../b', '/a//b', '/.git/config', 'relative', '/a%5Cb', '/%']) expect(safeRelativePath(bad), bad).toBeUndefined();
  });
});
