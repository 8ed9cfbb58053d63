/**
 * Photo uploads: the one repairs route whose body is raw bytes, in its own context with its own parser (read up to
 * REPAIRS_PHOTO_BYTES_MAX, typed by magic bytes in the service, not by the content type).
 */
import type { FastifyPluginAsync } from 'fastify';
import { MachiError, photoUploadedSchema } from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import { rawBodyParser } from '../../api/raw-body.js';
import { errorRef } from '../../api/shared-schemas.js';
import type { RepairsService } from './service.js';
import { REPAIRS_PHOTO_BYTES_MAX } from './store.js';

const rawPhotoParser = rawBodyParser(REPAIRS_PHOTO_BYTES_MAX, 'a photo');

/** Only the photo upload route reads raw bodies: its own context, with its own parser. */
export const photoUpload: FastifyPluginAsync<{ service: RepairsService }> = async (app, { service }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', rawPhotoParser);
  app.post('/v1/repairs/photos', {
    config: { access: 'repairs.photos' },
    schema: { response: { 201: photoUploadedSchema, '4xx': errorRef } },
  }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new MachiError('REQUEST_INVALID', 'send the image bytes as the request body (Content-Type image/png, image/jpeg or image/webp)');
    return reply.status(201).send(service.uploadPhoto(principalOf(req), req.body));
  });
};
