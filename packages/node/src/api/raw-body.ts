/**
 * Content-type parsers that read a body up to a limit and answer 413 BODY_TOO_LARGE beyond it only once the client has
 * sent it all (see RAW_BODY_DRAIN_BYTES_MAX): `rawBodyParser` for the routes whose body is raw bytes (photo uploads),
 * each registered in its own Fastify context (the content type is not trusted: the service decides by magic bytes);
 * `jsonBodyParser` for every JSON body of the API (server.ts), in place of Fastify's own, which answers at once.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MachiError } from '@machi/core';

export type RawBodyParser = (req: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: unknown) => void) => void;

/**
 * Bytes of a too-large body read and thrown away before the 413 is sent. Fastify closes the connection after a parser
 * error; a client still sending its body then meets a reset (EPIPE) instead of the answer, and a browser shows a
 * network error rather than "at most 5 MiB". Reading the rest first lets it finish sending and read the 413. Beyond
 * this many bytes the answer goes at once (a client sending far too much is not waited for).
 */
export const RAW_BODY_DRAIN_BYTES_MAX = 16 * 1024 * 1024;

export function rawBodyParser(maxBytes: number, what: string): RawBodyParser {
  return drainingParser(maxBytes, () => new MachiError('BODY_TOO_LARGE', `${what} may be at most ${maxBytes} bytes (${maxBytes / (1024 * 1024)} MiB)`));
}

/**
 * The API's JSON body parser: the body read as rawBodyParser does (a too-large one to its end, then 413
 * BODY_TOO_LARGE), then parsed by Fastify's own JSON parser (prototype-poisoning keys refused, an empty body an error).
 */
export function jsonBodyParser(app: FastifyInstance, maxBytes: number): RawBodyParser {
  const read = drainingParser(maxBytes, () => new MachiError('BODY_TOO_LARGE', `request body is larger than ${maxBytes} bytes`));
  const parse = app.getDefaultJsonParser('error', 'error');
  return (req, payload, done) => read(req, payload, (err, body) => {
    if (err !== null) return done(err);
    parse(req, (body as Buffer).toString('utf8'), done);
  });
}

function drainingParser(maxBytes: number, tooLarge: () => MachiError): RawBodyParser {
  return (req, payload, done) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    /** the body is too large: the rest is read and discarded (up to the drain limit), then the 413 goes */
    let over = Number(req.headers['content-length'] ?? 0) > maxBytes;
    const finish = (err: Error | null, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      done(err, body);
    };
    if (over && Number(req.headers['content-length']) > maxBytes + RAW_BODY_DRAIN_BYTES_MAX) return finish(tooLarge());
    payload.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > maxBytes && !over) {
        over = true;
        chunks.length = 0;
      }
      if (over) {
        if (bytes > maxBytes + RAW_BODY_DRAIN_BYTES_MAX) finish(tooLarge());
      } else chunks.push(c);
    });
    payload.on('end', () => finish(over ? tooLarge() : null, over ? undefined : Buffer.concat(chunks)));
    payload.on('error', (e: Error) => finish(e));
  };
}
