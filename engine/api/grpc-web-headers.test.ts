import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createCorsPolicy } from './grpc-web-cors.ts';
import { parseContentType, parseGrpcTimeout, responseContentType } from './grpc-web-headers.ts';

describe('parseContentType', () => {
  it('tells binary from text mode and reads the codec', () => {
    expect(parseContentType('application/grpc-web')).toEqual({ mode: 'binary', codec: 'proto' });
    expect(parseContentType('application/grpc-web+proto')).toEqual({ mode: 'binary', codec: 'proto' });
    expect(parseContentType('application/grpc-web-text')).toEqual({ mode: 'text', codec: 'proto' });
    expect(parseContentType('Application/GRPC-Web-Text+proto; charset=utf-8')).toEqual({ mode: 'text', codec: 'proto' });
    expect(parseContentType('application/grpc-web+json')).toEqual({ mode: 'binary', codec: 'json' });
  });

  it('leaves everything else to other routes', () => {
    for (const other of [undefined, '', 'application/grpc', 'application/json', 'application/grpc-webby', 'text/plain']) {
      expect(parseContentType(other)).toBeUndefined();
    }
  });

  it('answers in the mode of the request', () => {
    expect(responseContentType('text')).toBe('application/grpc-web-text+proto');
    expect(responseContentType('binary')).toBe('application/grpc-web+proto');
  });
});

describe('parseGrpcTimeout', () => {
  it('converts every unit to milliseconds', () => {
    expect(parseGrpcTimeout('2H')).toBe(7_200_000);
    expect(parseGrpcTimeout('3M')).toBe(180_000);
    expect(parseGrpcTimeout('4S')).toBe(4000);
    expect(parseGrpcTimeout('1500m')).toBe(1500);
    expect(parseGrpcTimeout('2500u')).toBe(3);
    expect(parseGrpcTimeout('1n')).toBe(1);
    expect(parseGrpcTimeout(undefined)).toBeUndefined();
  });

  it('refuses what the spec does not allow', () => {
    for (const bad of ['10', '123456789S', '-1S', '1.5S', '5s', 'S']) {
      expect(() => parseGrpcTimeout(bad)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });
});

describe('createCorsPolicy', () => {
  const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it('grants nothing by default: the console is same-origin', () => {
    const cors = createCorsPolicy([]);
    expect(cors.responseHeaders(request({ origin: 'https://evil.example' }))).toEqual({});
    expect(cors.preflightHeaders(request({ origin: 'https://evil.example' }))).not.toHaveProperty('access-control-allow-origin');
  });

  it('allows configured origins and exposes the status headers to them', () => {
    const cors = createCorsPolicy(['http://localhost:5173/']);
    const headers = cors.responseHeaders(request({ origin: 'http://localhost:5173' }));
    expect(headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(headers['access-control-expose-headers']).toBe('grpc-status, grpc-message');
    const preflight = cors.preflightHeaders(request({ origin: 'http://localhost:5173' }));
    expect(preflight['access-control-allow-headers']).toContain('x-grpc-web');
    expect(preflight['access-control-allow-headers']).toContain('grpc-timeout');
    expect(cors.responseHeaders(request({ origin: 'http://localhost:5174' }))).not.toHaveProperty('access-control-allow-origin');
  });

  it('allows any origin with "*", echoing it back', () => {
    const cors = createCorsPolicy(['*']);
    expect(cors.responseHeaders(request({ origin: 'http://10.0.0.7:8080' }))['access-control-allow-origin']).toBe('http://10.0.0.7:8080');
    expect(cors.responseHeaders(request({ origin: 'null' }))).not.toHaveProperty('access-control-allow-origin');
  });
});
