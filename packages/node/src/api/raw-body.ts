/**
 * A content-type parser that reads any body as bytes, up to `maxBytes` (413 BODY_TOO_LARGE beyond, naming the limit),
 * for the routes whose body is raw bytes (photo uploads), each registered in its own Fastify context. The content
 * type is not trusted: the service decides by magic bytes.
 */
import type { FastifyRequest } from 'fastify';
import { MachiError } from '@machi/core';

export type RawBodyParser = (req: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: unknown) => void) => void;

export function rawBodyParser(maxBytes: number, what: string): RawBodyParser {
  const tooLarge = (): MachiError => new MachiError('BODY_TOO_LARGE', `${what} may be at most ${maxBytes} bytes (${maxBytes / (1024 * 1024)} MiB)`);
  return (req, payload, done) => {
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) return done(tooLarge());
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const finish = (err: Error | null, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      done(err, body);
    };
    payload.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > maxBytes) finish(tooLarge());
      else if (!settled) chunks.push(c);
    });
    payload.on('end', () => finish(null, Buffer.concat(chunks)));
    payload.on('error', (e: Error) => finish(e));
  };
}
