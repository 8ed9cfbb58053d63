/**
 * A POST over a real connection that sends half its body, pauses, then the rest: whether the server answers before the
 * client is done (a too-large body answered at once meets a reset on the client's side: api/raw-body.ts).
 */
import { request } from 'node:http';

export interface SlowUpload {
  status: number;
  json: { code: string };
  /** the answer came before the whole body was sent */
  answeredEarly: boolean;
}

export function postInTwoHalves(url: URL, path: string, headers: Record<string, string>, body: Uint8Array): Promise<SlowUpload> {
  let sentAll = false;
  let answeredEarly = false;
  return new Promise<SlowUpload>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path, headers: { ...headers, 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) as { code: string }, answeredEarly }));
    });
    req.on('response', () => (answeredEarly = !sentAll));
    req.on('error', reject);
    // half the body, a pause (an answer now would come before the client is done), then the rest
    req.write(body.subarray(0, body.length >> 1));
    setTimeout(() => {
      sentAll = true;
      req.end(body.subarray(body.length >> 1));
    }, 300);
  });
}
