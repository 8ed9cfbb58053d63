/**
 * Photo uploads: the one repairs route whose body is raw bytes, in its own context with its own parser (read up to
 * REPAIRS_PHOTO_BYTES_MAX, typed by magic bytes in the service, not by the content type).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { MachiError, photoUploadedSchema } from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import { errorRef } from '../../api/shared-schemas.js';
import type { RepairsService } from './service.js';
import { REPAIRS_PHOTO_BYTES_MAX } from './store.js';

const tooLarge = (): MachiError => new MachiError('BODY_TOO_LARGE', `a photo may be at most ${REPAIRS_PHOTO_BYTES_MAX} bytes (5 MiB)`);

/**
 * Reads any body as bytes, up to REPAIRS_PHOTO_BYTES_MAX (413 beyond, with that limit in the message). The content
 * type is not trusted: the service decides by magic bytes (415 for anything but PNG, JPEG, WebP).
 */
function rawPhotoParser(req: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: unknown) => void): void {
  if (Number(req.headers['content-length'] ?? 0) > REPAIRS_PHOTO_BYTES_MAX) return done(tooLarge());
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
    if (bytes > REPAIRS_PHOTO_BYTES_MAX) finish(tooLarge());
    else if (!settled) chunks.push(c);
  });
  payload.on('end', () => finish(null, Buffer.concat(chunks)));
  payload.on('error', (e: Error) => finish(e));
}

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
