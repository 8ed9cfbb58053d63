/**
 * The PDF certificate of a preserved record: filing number (the preserving transaction's hash), block time, the
 * organisation, the provenance at capture, the chain of custody, and a QR code of the verification address. pdf-lib
 * with its standard Helvetica, whose WinAnsi encoding has no CJK: the certificate is in English/ASCII, and any text
 * outside ASCII (an organisation's Chinese name) is left out with a note — the export package carries it as recorded.
 */
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import QRCode from 'qrcode';
import type { PreservedPackage } from '@machi/core';

export const CERTIFICATE_QR_SCALE = 4;

/** ASCII only (what Helvetica in WinAnsi can show everywhere); anything else becomes "?". */
const ascii = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The certificate's lines (the PDF's text; tests read them back from the PDF). */
export function certificateLines(p: PreservedPackage, chainId: string): string[] {
  const r = p.record;
  const name = /^[\x20-\x7e]*$/.test(p.organisation.name) ? ` (${p.organisation.name})` : '';
  const lines = [
    `Filing number: ${p.filingNumber}`,
    `Recorded at: ${iso(p.proof.header.time)} (block ${p.proof.header.height} of chain ${ascii(chainId)})`,
    `Organisation: ${ascii(p.organisation.id)}${name}`,
    `File SHA-256: ${p.fileHash}`,
    `Kind: ${r.kind}${r.fileKept ? ' (the organisation keeps the file, encrypted)' : ' (the file was not kept: the holder keeps it)'}`,
    'Provenance at capture:',
    `  captured by ${r.capture.by} (${r.capture.role}, a pseudonym)`,
    `  device or system: ${ascii(r.capture.device)}`,
    `  captured at: ${iso(r.capture.capturedAt)} (device clock)`,
    `  place: ${r.capture.place === undefined ? '-' : ascii(r.capture.place)}`,
    `Chain of custody: ${p.custody.length === 0 ? 'no handover' : `${p.custody.length} handover(s)`}`,
    ...p.custody.map((c, i) => `  ${i + 1}. ${iso(c.step.time)} ${ascii(c.step.from.org)} -> ${ascii(c.step.to.org)} (${c.step.purpose}), tx ${c.step.txHash.slice(0, 16)}...`),
    `Genesis SHA-256: ${p.genesisHash}`,
    `Verify at: ${p.verifyAt}`,
  ];
  return lines;
}

/** The certificate as PDF bytes (A4, one page). */
export async function certificatePdf(p: PreservedPackage, chainId: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Certificate of preserved record ${p.filingNumber}`);
  doc.setProducer('Machi');
  doc.setCreationDate(new Date(p.proof.header.time));
  doc.setModificationDate(new Date(p.proof.header.time));
  const page = doc.addPage([595.28, 841.89]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  let y = 790;
  page.drawText('Certificate of a preserved record', { x: 50, y, size: 18, font: bold });
  y -= 22;
  page.drawText('Machi consortium ledger - evidence preservation', { x: 50, y, size: 10, font, color: rgb(0.3, 0.3, 0.3) });
  y -= 30;
  for (const line of certificateLines(p, chainId)) {
    // long hashes and addresses wrap at 96 characters
    for (let i = 0; i < line.length; i += 96) {
      page.drawText(line.slice(i, i + 96), { x: 50, y, size: 9.5, font });
      y -= 14;
    }
  }
  const png = await QRCode.toBuffer(p.verifyAt, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: CERTIFICATE_QR_SCALE });
  const qr = await doc.embedPng(png);
  const side = 150;
  page.drawImage(qr, { x: 50, y: y - side - 10, width: side, height: side });
  const notes = [
    'Scan the code, or open the address above, and drop the file and its export package',
    'on the page: it recomputes the file\'s SHA-256 and checks the proof against the',
    'chain\'s genesis in your browser, offline once loaded.',
    'This certificate is in English/ASCII; text in other scripts is in the export package.',
  ];
  notes.forEach((n, i) => page.drawText(n, { x: 215, y: y - 30 - i * 13, size: 8.5, font, color: rgb(0.25, 0.25, 0.25) }));
  return doc.save();
}
