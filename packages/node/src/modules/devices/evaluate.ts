/**
 * Rule evaluation: what a reading says about each condition its device class reports. A reading is a JSON object;
 * the fields each class reads are below (others are kept in the time series, not evaluated). A field absent says
 * nothing about its condition; `true`/`false` (or a number past / within the threshold) say alarm / normal.
 *
 * | class | field → condition |
 * |---|---|
 * | moisture | leak → leak |
 * | smoke | smoke → smoke |
 * | gas | ppm > threshold → gas-high |
 * | carbon-monoxide | ppm > threshold → co-high |
 * | door | forced → door-forced, heldOpen → door-held |
 * | lift | entrapment → entrapment, fault → lift-fault |
 * | fire-pump | pressureKpa < threshold → pressure-low |
 * | meter | tamper → meter-tamper |
 */
import type { DeviceClass } from '@machi/core';

type Field = { field: string; condition: string; compare: 'bool' | 'above' | 'below' };

export const READING_FIELDS: Readonly<Record<DeviceClass, readonly Field[]>> = {
  moisture: [{ field: 'leak', condition: 'leak', compare: 'bool' }],
  smoke: [{ field: 'smoke', condition: 'smoke', compare: 'bool' }],
  gas: [{ field: 'ppm', condition: 'gas-high', compare: 'above' }],
  'carbon-monoxide': [{ field: 'ppm', condition: 'co-high', compare: 'above' }],
  door: [{ field: 'forced', condition: 'door-forced', compare: 'bool' }, { field: 'heldOpen', condition: 'door-held', compare: 'bool' }],
  lift: [{ field: 'entrapment', condition: 'entrapment', compare: 'bool' }, { field: 'fault', condition: 'lift-fault', compare: 'bool' }],
  'fire-pump': [{ field: 'pressureKpa', condition: 'pressure-low', compare: 'below' }],
  meter: [{ field: 'tamper', condition: 'meter-tamper', compare: 'bool' }],
};

export interface Verdict {
  condition: string;
  alarm: boolean;
}

/**
 * The verdicts of a reading, or null if a field it names has the wrong type (a malformed message). `threshold` gives
 * the threshold of a condition (the rule's).
 */
export function evaluateReading(cls: DeviceClass, reading: Record<string, unknown>, threshold: (condition: string) => number | null): Verdict[] | null {
  const out: Verdict[] = [];
  for (const f of READING_FIELDS[cls]) {
    const v = reading[f.field];
    if (v === undefined) continue;
    if (f.compare === 'bool') {
      if (typeof v !== 'boolean') return null;
      out.push({ condition: f.condition, alarm: v });
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    const t = threshold(f.condition);
    if (t === null) continue;
    out.push({ condition: f.condition, alarm: f.compare === 'above' ? v > t : v < t });
  }
  return out;
}
