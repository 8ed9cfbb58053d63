/**
 * Photo uploads for events (a report, a handling result, a check, a flag's evidence): raw bytes in their own context
 * with their own parser, as repairs' (up to EVENTS_PHOTO_BYTES_MAX, typed by magic bytes in the service).
 */
import type { FastifyPluginAsync } from 'fastify';
import { MachiError, photoUploadedSchema } from '@machi/core';
import { rawBodyParser } from '../../api/raw-body.js';
import { errorRef } from '../../api/shared-schemas.js';
import type { EventsService } from './service.js';
import { EVENTS_PHOTO_BYTES_MAX } from './store.js';

const rawPhotoParser = rawBodyParser(EVENTS_PHOTO_BYTES_MAX, 'a photo');

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
