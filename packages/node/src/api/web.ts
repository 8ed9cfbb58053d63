/**
 * Serves the web app (packages/web, built into its dist/ by `npm install` / `npm run build`) from the node: hashed
 * assets under /assets/ cached for good, and index.html for every other GET that is not an API path, so the app's
 * own routes (/report, /requests/…) load on a reload. With a Content-Security-Policy that keeps the page to this
 * origin. docs/architecture.md#web-app
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, sep } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/** Paths that belong to APIs: never answered with the app's page. */
const API_PREFIXES = ['/v1/', '/open311/', '/docs', '/.well-known/'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The page may load only this origin's scripts, styles (Mantine sets inline style attributes) and images. */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  // other organisations' nodes: a desk or an issuer the wallet answers directly (https; loopback for local consortia)
  "connect-src 'self' https: http://127.0.0.1:* http://localhost:*",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** The built app's folder: @machi/web's dist/, or undefined when it is not built. */
export function webDistDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@machi/web/package.json');
    const dir = join(dirname(pkg), 'dist');
    return existsSync(join(dir, 'index.html')) ? realpathSync(dir) : undefined;
  } catch {
    return undefined;
  }
}

export const webAppRoutes: FastifyPluginAsync<{ dir?: string | undefined }> = async (app, opts) => {
  const root = opts.dir ?? webDistDir();
  const index = root === undefined ? undefined : readFileSync(join(root, 'index.html'));

  const page = (reply: FastifyReply) => {
    reply.header('content-security-policy', WEB_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    if (index === undefined) {
      return reply.status(503).type('text/plain; charset=utf-8').send('The web app is not built: run "npm run build" (npm install does it).\n');
    }
    return reply.type(TYPES['.html']!).header('cache-control', 'no-cache').send(index);
  };

  app.get<{ Params: { '*': string } }>('/assets/*', { config: { access: 'public' }, schema: { hide: true } as object }, async (req, reply) => {
    if (root === undefined) return reply.status(404).send({ code: 'NOT_FOUND', message: 'the web app is not built' });
    const file = join(root, 'assets', req.params['*']);
    // only files under dist/assets (no ../, no symlink tricks: root is a realpath and join normalises)
    if (!file.startsWith(join(root, 'assets') + sep) || !existsSync(file) || !statSync(file).isFile()) {
      return reply.status(404).send({ code: 'NOT_FOUND', message: `no asset ${req.params['*']}` });
    }
    return reply
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(readFileSync(file));
  });

  app.get('/', { config: { access: 'public' }, schema: { hide: true } as object }, async (_req, reply) => page(reply));

  app.get<{ Params: { '*': string } }>('/*', { config: { access: 'public' }, schema: { hide: true } as object }, async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (API_PREFIXES.some((p) => path.startsWith(p))) return reply.status(404).send({ code: 'NOT_FOUND', message: `no route GET ${path}` });
    return page(reply);
  });
};
