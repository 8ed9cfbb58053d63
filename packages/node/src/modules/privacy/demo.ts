/**
 * A fictitious demo community: buildings, units and residents with realistic but invented Chinese names, 11-digit
 * mobile numbers and 18-digit resident ID numbers (valid GB 11643 check digit, invented region and sequence). Seeded,
 * so every run creates the same people. None of them exist.
 */
export interface DemoResident {
  name: string;
  idNumber: string;
  birthDate: string;
  phone: string;
  building: string;
  unit: string;
  address: string;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '梁'];
const GIVEN = ['伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀兰', '霞', '平', '刚', '桂英', '建国', '志强', '海燕', '晓东', '雪梅', '文博', '子涵'];
const MOBILE_PREFIXES = ['130', '131', '132', '135', '136', '137', '138', '139', '150', '151', '152', '158', '159', '186', '187', '188', '189'];
/** An invented region code (the first six digits of an ID number). */
const REGION = '310115';
const COMMUNITY_ADDRESS = '示例市 和谐路 88 号 幸福里小区';

/** mulberry32: small deterministic PRNG, so the demo is the same on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** GB 11643-1999 check character for the first 17 digits of a resident ID number. */
export function idCheckDigit(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return '10X98765432'[sum % 11]!;
}

export function demoResidents(count: number, seed = 2026): DemoResident[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
  return Array.from({ length: count }, (_, i) => {
    const year = 1940 + Math.floor(rnd() * 65);
    const month = 1 + Math.floor(rnd() * 12);
    const day = 1 + Math.floor(rnd() * 28);
    const birth = `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
    const first17 = `${REGION}${birth}${String(100 + i).slice(-3)}`;
    const building = `${1 + (i % 3)}号楼`;
    const unit = `${1 + Math.floor(rnd() * 2)}单元 ${1 + Math.floor(rnd() * 18)}0${1 + Math.floor(rnd() * 4)}`;
    return {
      name: pick(SURNAMES) + pick(GIVEN),
      idNumber: first17 + idCheckDigit(first17),
      birthDate: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      phone: pick(MOBILE_PREFIXES) + digits(8),
      building,
      unit,
      address: `${COMMUNITY_ADDRESS} ${building} ${unit}`,
    };
  });
}
