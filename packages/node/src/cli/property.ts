/**
 * `machi property import FILE.csv`: an existing unit register into the property company's node
 * (`POST /v1/property/imports`, docs/spec/property.md#api). Prints how many rows were imported and every refused row
 * with its line and reason; exits 1 when rows were refused (the valid ones are imported, in one transaction), 2 when
 * the request failed (nothing imported).
 */
import { readFileSync } from 'node:fs';
import { DEMO_PASSWORD } from '../auth/demo.js';
import type { Command } from './commands.js';

/** The property company's node as `machi up` starts it. */
const PROPERTY_NODE = 'http://127.0.0.1:7071';

interface ImportReport {
  imported: number;
  refused: { line: number; unit: string; reason: string }[];
  txHash: string | null;
}

async function post(node: string, path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(`${node}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  }).catch((e: Error & { cause?: Error }) => {
    throw new Error(`cannot reach the node at ${node} (${e.cause?.message ?? e.message}); is it running? (--node URL)`);
  });
  const json = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) throw new Error(`${path}: ${res.status} ${json.code ?? ''} ${json.message ?? ''}`.trim());
  return json;
}

/** The report as lines: the count, then each refused row. */
export function formatImportReport(r: ImportReport): string {
  const head = r.imported > 0 ? `imported ${r.imported} row${r.imported === 1 ? '' : 's'} in tx ${r.txHash}` : 'imported 0 rows';
  const refused = r.refused.map((x) => `refused line ${x.line}${x.unit === '' ? '' : ` (${x.unit})`}: ${x.reason}`);
  return [head, ...refused, ...(r.refused.length > 0 ? [`${r.refused.length} row${r.refused.length === 1 ? '' : 's'} refused`] : [])].join('\n') + '\n';
}

export const propertyCommand: Command = {
  usage: 'property import FILE.csv [--node URL] [--token T]',
  summary: 'import a unit register (CSV) into the property company\'s node, with the report of refused rows',
  help: `Sends FILE.csv (or - for stdin) to POST /v1/property/imports on the property company's node and prints the
report: the rows imported (one transaction: all valid rows or none) and every refused row with its line and reason.
The file's first line is the header unit,type,area_m2,owner_subject (docs/spec/property.md#api).

Exit codes: 0 every row imported; 1 some rows refused (the others imported); 2 the request failed (nothing imported).

Options:
  --node URL      the property company's node (default $MACHI_NODE, else ${PROPERTY_NODE} as machi up starts it)
  --token T       a property-staff bearer token (default $MACHI_TOKEN); without one, signs in as --user
  --org ID        the organisation to sign in at (default property-company)
  --user NAME     a property-staff account (default li.staff, the demo's)
  --password P    its password (default the demo's)
  --json          print the report as JSON`,
  options: { node: { type: 'string' }, token: { type: 'string' }, org: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' }, json: { type: 'boolean' } },
  async run(v, pos) {
    const [sub, file] = pos;
    if (sub !== 'import' || file === undefined || pos.length !== 2) throw new Error('usage: machi property import FILE.csv [--node URL] [--token T]');
    let csv: string;
    try {
      csv = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${file}: ${(e as Error).message}`);
    }
    const node = String(v.node ?? process.env.MACHI_NODE ?? PROPERTY_NODE).replace(/\/+$/, '');
    let token = typeof v.token === 'string' ? v.token : process.env.MACHI_TOKEN;
    if (token === undefined || token === '') {
      const login = { org: String(v.org ?? 'property-company'), username: String(v.user ?? 'li.staff'), password: String(v.password ?? DEMO_PASSWORD) };
      token = (await post(node, '/v1/auth/login', login)).token as string;
    }
    const report = (await post(node, '/v1/property/imports', { csv }, token)) as ImportReport;
    process.stdout.write(v.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatImportReport(report));
    return report.refused.length > 0 ? 1 : 0;
  },
};
