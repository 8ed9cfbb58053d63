/**
 * Photo uploads for events (a report, a handling result, a check, a flag's evidence): raw bytes in their own context
 * with their own parser, as repairs' (up to EVENTS_PHOTO_BYTES_MAX, typed by magic bytes in the service).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { MachiError, photoUploadedSchema } from '@machi/core';
import { errorRef } from '../../api/shared-schemas.js';
import type { EventsService } from './service.js';
import { EVENTS_PHOTO_BYTES_MAX } from './store.js';

const tooLarge = (): MachiError => new MachiError('BODY_TOO_LARGE', `a photo may be at most ${EVENTS_PHOTO_BYTES_MAX} bytes (5 MiB)`);

function rawPhotoParser(req: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: unknown) => void): void {
  if (Number(req.headers['content-length'] ?? 0) > EVENTS_PHOTO_BYTES_MAX) return done(tooLarge());
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
    if (bytes > EVENTS_PHOTO_BYTES_MAX) finish(tooLarge());
    else if (!settled) chunks.push(c);
  });
  payload.on('end', () => finish(null, Buffer.concat(chunks)));
  payload.on('error', (e: Error) => finish(e));
}

export const eventPhotoUpload: FastifyPluginAsync<{ service: EventsService }> = async (app, { service }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', rawPhotoParser);
  app.post('/v1/events/photos', {
    config: { access: 'events.photos' },
    schema: { response: { 201: photoUploadedSchema, '4xx': errorRef } },
  }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new MachiError('REQUEST_INVALID', 'send the image bytes as the request body (Content-Type image/png, image/jpeg or image/webp)');
    return reply.status(201).send(service.uploadPhoto(service.actors.req(req), req.body));
  });
};
