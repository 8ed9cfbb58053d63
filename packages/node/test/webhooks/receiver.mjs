// An outside webhook receiver, run as its own process (node receiver.mjs GENESIS_FILE): it knows nothing of Machi but
// the genesis file. For every POST it checks the CloudEvents 1.0 envelope and the Standard Webhooks signature (v1a,
// Ed25519) against the public key the genesis gives the organisation named in the event's `source`, records what it
// saw, and answers by path:
//   /ok        200 if the envelope and signature check out, 400 if not
//   /flaky     500 to the first attempt of each webhook-id, then as /ok
//   /hang      never answers (the sender must time out)
//   /redirect  302 to /ok (the sender must not follow)
//   /hold      503 while held (POST /control/hold {"hold":true|false}), else as /ok
//   /stall     no answer while held, else as /ok
// GET /log answers everything recorded; it prints `listening <port>` once ready.
import { createServer } from 'node:http';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const genesis = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const TOLERANCE_S = 5 * 60;
const log = [];
const seen = new Set();
let hold = true;

/** Why the delivery does not check out, or null if it does. */
function check(headers, body) {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (headers['content-type'] !== 'application/cloudevents+json') return `content-type ${headers['content-type']}`;
  if (!id || !ts || !sigs) return 'missing webhook-* headers';
  if (!/^[0-9]+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > TOLERANCE_S) return 'timestamp outside the tolerance';
  let event;
  try {
    event = JSON.parse(body);
  } catch {
    return 'body is not JSON';
  }
  if (event.specversion !== '1.0') return 'specversion';
  for (const f of ['id', 'source', 'type']) if (typeof event[f] !== 'string' || event[f] === '') return `missing ${f}`;
  if (event.datacontenttype !== 'application/json') return 'datacontenttype';
  if (typeof event.time !== 'string' || Number.isNaN(Date.parse(event.time))) return 'time';
  const m = /^\/machi\/([^/]+)\/([^/]+)$/.exec(event.source);
  if (m === null || m[1] !== genesis.chainId) return `source ${event.source} is not of this chain`;
  const org = genesis.orgs.find((o) => o.id === m[2]);
  if (org === undefined) return `no organisation ${m[2]} in the genesis`;
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: org.publicKey }, format: 'jwk' });
  const signed = Buffer.from(`${id}.${ts}.${body}`, 'utf8');
  // the header may carry several space-separated signatures; one valid v1a is enough
  const ok = sigs.split(' ').some((s) => s.startsWith('v1a,') && verify(null, signed, key, Buffer.from(s.slice(4), 'base64')));
  return ok ? null : 'signature does not verify';
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url;
    if (req.method === 'GET' && path === '/log') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(log));
      return;
    }
    if (req.method === 'POST' && path === '/control/hold') {
      hold = JSON.parse(body).hold === true;
      res.writeHead(204).end();
      return;
    }
    const problem = check(req.headers, body);
    const id = req.headers['webhook-id'];
    const first = !seen.has(`${path} ${id}`);
    seen.add(`${path} ${id}`);
    const entry = { path, webhookId: id, timestamp: req.headers['webhook-timestamp'], problem, event: problem === 'body is not JSON' ? null : JSON.parse(body), answered: null };
    log.push(entry);
    const answer = (status, headers = {}) => {
      entry.answered = status;
      res.writeHead(status, headers).end();
    };
    if (path === '/hang') return; // never answers
    if (path === '/redirect') return answer(302, { location: '/ok' });
    if (path === '/flaky' && first) return answer(500);
    if (path === '/hold' && hold) return answer(503);
    if (path === '/stall' && hold) return; // the sender's attempt stays open
    answer(problem === null ? 200 : 400);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
