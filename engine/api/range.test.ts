import { once } from 'node:events';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notModified, parseRange, rangeStillValid, sendRangedFile } from './range.ts';

describe('parseRange', () => {
  it('reads the three forms of a single range', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ kind: 'partial', range: { start: 0, end: 99 } });
    expect(parseRange('bytes=990-', 1000)).toEqual({ kind: 'partial', range: { start: 990, end: 999 } });
    expect(parseRange('bytes=-100', 1000)).toEqual({ kind: 'partial', range: { start: 900, end: 999 } });
    expect(parseRange('Bytes = 5-5', 1000)).toEqual({ kind: 'partial', range: { start: 5, end: 5 } });
  });

  it('clamps an end past the file, as PMTiles clients ask 16 KiB of a smaller archive', () => {
    expect(parseRange('bytes=0-16383', 600)).toEqual({ kind: 'partial', range: { start: 0, end: 599 } });
    expect(parseRange('bytes=-5000', 600)).toEqual({ kind: 'partial', range: { start: 0, end: 599 } });
  });

  it('finds nothing to send when no range overlaps the file', () => {
    expect(parseRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=1000-2000', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=2000-3000, 4000-', 1000)).toEqual({ kind: 'unsatisfiable' });
  });

  it('answers several ranges with the whole file', () => {
    expect(parseRange('bytes=0-9, 20-29', 1000)).toEqual({ kind: 'multiple' });
    expect(parseRange('bytes=0-9,5000-', 1000)).toEqual({ kind: 'multiple' });
  });

  it('ignores what it cannot read, as RFC 9110 asks', () => {
    for (const bad of ['items=0-9', 'bytes', 'bytes=', 'bytes=-', 'bytes=9-0', 'bytes=a-b', 'bytes=0-9,x', 'bytes=1.5-2', 'bytes=0-99999999999999999999']) {
      expect(parseRange(bad, 1000), bad).toEqual({ kind: 'full' });
    }
    expect(parseRange(undefined, 1000)).toEqual({ kind: 'full' });
  });
});

describe('conditional headers', () => {
  const etag = '"3e8-18c"';
  const date = new Date(1_700_000_000_000).toUTCString();

  it('If-None-Match compares weakly and accepts lists and *', () => {
    expect(notModified(etag, etag)).toBe(true);
    expect(notModified(`"x", W/${etag}`, etag)).toBe(true);
    expect(notModified('*', etag)).toBe(true);
    expect(notModified('"other"', etag)).toBe(false);
    expect(notModified(undefined, etag)).toBe(false);
  });

  it('If-Range keeps the range only for the same strong tag or the exact date', () => {
    expect(rangeStillValid(undefined, etag, date)).toBe(true);
    expect(rangeStillValid(etag, etag, date)).toBe(true);
    expect(rangeStillValid(`W/${etag}`, etag, date)).toBe(false);
    expect(rangeStillValid('"older"', etag, date)).toBe(false);
    expect(rangeStillValid(date, etag, date)).toBe(true);
    expect(rangeStillValid(new Date(0).toUTCString(), etag, date)).toBe(false);
  });
});

// The file side over real loopback HTTP: what a browser or pmtiles client sees.
describe('sendRangedFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ioc-range-'));
  const file = join(dir, 'data.bin');
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
  let server: http.Server;
  let url = '';

  beforeAll(async () => {
    writeFileSync(file, bytes);
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    server = http.createServer((req, res) => {
      sendRangedFile(req, res, file, { contentType: 'application/vnd.pmtiles', cacheControl: 'no-cache' }).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/base.pmtiles`;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (headers: Record<string, string> = {}, method = 'GET') => {
    const res = await fetch(url, { method, headers });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };

  it('sends the whole file with Accept-Ranges and a strong ETag', async () => {
    const r = await get();
    expect(r.status).toBe(200);
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(r.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(r.headers.get('content-length')).toBe('1000');
    expect(r.body.equals(bytes)).toBe(true);
  });

  it('sends exactly the bytes of one range with 206 and Content-Range', async () => {
    const r = await get({ range: 'bytes=100-199' });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(r.body.equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await get({ range: 'bytes=-10' });
    expect(tail.headers.get('content-range')).toBe('bytes 990-999/1000');
    expect(tail.body.equals(bytes.subarray(990))).toBe(true);
  });

  it('answers HEAD with the headers of the GET and no body', async () => {
    const r = await get({ range: 'bytes=0-16383' }, 'HEAD');
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 0-999/1000');
    expect(r.headers.get('content-length')).toBe('1000');
    expect(r.body.length).toBe(0);
  });

  it('refuses a range past the end with 416 and the size', async () => {
    const r = await get({ range: 'bytes=5000-' });
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('bytes */1000');
    expect(r.body.toString()).toContain('1000 bytes');
  });

  it('sends everything for several ranges', async () => {
    const r = await get({ range: 'bytes=0-1,5-6' });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(1000);
  });

  it('answers 304 to a current copy, and a stale If-Range with the whole file', async () => {
    const etag = (await get()).headers.get('etag')!;
    expect((await get({ 'if-none-match': etag })).status).toBe(304);
    expect((await get({ range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    const stale = await get({ range: 'bytes=0-9', 'if-range': '"0-0"' });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(1000);
  });
});
