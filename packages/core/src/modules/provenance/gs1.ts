/**
 * GS1 keys in URIs: the GTIN check digit (GS1 General Specifications §7.9, mod 10 with weights 3,1 from the right)
 * and GS1 Digital Link URIs (GS1 Digital Link standard 1.1, §4): `https://host[/prefix]/01/{gtin}[/22/{cpv}][/10/{lot}]
 * [/21/{serial}][?17={YYMMDD}&…]`. Pure; used by the node's routes and by the web app's scan page.
 */

/** AI 10 (batch/lot) and AI 21 (serial): up to 20 characters of GS1 AI encodable character set 82. */
export const GS1_CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;
export const GTIN_LENGTHS = [8, 12, 13, 14] as const;
export const DIGITAL_LINK_CHARS_MAX = 400;

/** The check digit a GTIN's other digits call for. `body` is the GTIN without its last digit. */
export function gtinCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const d = body.charCodeAt(body.length - 1 - i) - 48;
    sum += d * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** Whether `gtin` is 8, 12, 13 or 14 digits with the right check digit. */
export function isValidGtin(gtin: string): boolean {
  if (!/^[0-9]+$/.test(gtin) || !(GTIN_LENGTHS as readonly number[]).includes(gtin.length)) return false;
  return gtinCheckDigit(gtin.slice(0, -1)) === gtin.charCodeAt(gtin.length - 1) - 48;
}

/** GTIN-14 form (left-padded with zeros), as Digital Link URIs and Machi's state keys use it. */
export const gtin14 = (gtin: string): string => gtin.padStart(14, '0');

export interface DigitalLink {
  /** GTIN-14 */
  gtin: string;
  batch?: string;
  serial?: string;
  /** AI 17, YYMMDD */
  expiry?: string;
}

export type DigitalLinkResult = { ok: true; link: DigitalLink } | { ok: false; reason: string };

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** Parses a GS1 Digital Link URI (absolute, or a path starting at `/01/`); never throws. */
export function parseDigitalLink(uri: string): DigitalLinkResult {
  if (uri.length > DIGITAL_LINK_CHARS_MAX) return { ok: false, reason: `longer than ${DIGITAL_LINK_CHARS_MAX} characters` };
  const noFragment = uri.split('#')[0]!;
  const q = noFragment.indexOf('?');
  let path = q < 0 ? noFragment : noFragment.slice(0, q);
  const query = q < 0 ? '' : noFragment.slice(q + 1);
  const scheme = /^https?:\/\/[^/]+/i.exec(path);
  if (scheme !== null) path = path.slice(scheme[0].length);
  const segs = path.split('/');
  // a custom path prefix may stand before the primary key (DL 1.1 §4.3) and may itself hold "01": the key is the
  // rightmost "01" followed by pairs of /{AI}/{value}
  let at = -1;
  for (let i = segs.length - 2; i >= 1; i--) {
    if (segs[i] === '01' && (segs.length - i) % 2 === 0) {
      at = i;
      break;
    }
  }
  if (at < 0) return { ok: false, reason: 'no /01/{gtin} in the path' };
  const rest = segs.slice(at);
  const gtin = rest[1]!;
  if (!isValidGtin(gtin)) return { ok: false, reason: /^[0-9]+$/.test(gtin) && (GTIN_LENGTHS as readonly number[]).includes(gtin.length) ? `GTIN ${gtin} has a wrong check digit (expected ${gtinCheckDigit(gtin.slice(0, -1))})` : `GTIN ${gtin} is not 8, 12, 13 or 14 digits` };
  const link: DigitalLink = { gtin: gtin14(gtin) };
  // key qualifiers of AI 01, in the order the standard fixes: 22, 10, 21
  const order = ['22', '10', '21'];
  let last = -1;
  for (let i = 2; i < rest.length; i += 2) {
    const ai = rest[i]!;
    const pos = order.indexOf(ai);
    if (pos < 0) return { ok: false, reason: `/${ai}/ is not a key qualifier of a GTIN (22, 10, 21)` };
    if (pos <= last) return { ok: false, reason: 'key qualifiers out of order (22, then 10, then 21)' };
    last = pos;
    const value = decode(rest[i + 1]!);
    if (value === undefined || !GS1_CSET82.test(value)) return { ok: false, reason: `the value of AI ${ai} is not 1–20 characters of GS1 character set 82` };
    if (ai === '10') link.batch = value;
    if (ai === '21') link.serial = value;
  }
  for (const pair of query === '' ? [] : query.split('&')) {
    const [k, v = ''] = pair.split('=');
    if (k === '17') {
      if (!/^[0-9]{2}(0[1-9]|1[0-2])([0-2][0-9]|3[01])$/.test(v)) return { ok: false, reason: `expiry (17) ${v} is not YYMMDD` };
      link.expiry = v;
    }
  }
  return { ok: true, link };
}

/** The canonical Digital Link URI of an item on `base` (no trailing slash), e.g. `https://id.gs1.org`. */
export function formatDigitalLink(base: string, l: DigitalLink): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `${base}/01/${l.gtin}${l.batch === undefined ? '' : `/10/${enc(l.batch)}`}${l.serial === undefined ? '' : `/21/${enc(l.serial)}`}${l.expiry === undefined ? '' : `?17=${l.expiry}`}`;
}
