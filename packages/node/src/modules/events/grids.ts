/**
 * The community's grids as people name them (网格化管理): each grid's buildings with their household counts, its
 * common areas, and the demo accounts of its grid workers. What goes on the ledger (`event.define_grid`) is the codes,
 * the counts and the workers' pseudonyms; names stay here. docs/spec/events.md
 */
export interface GridInfo {
  grid: string;
  name: string;
  buildings: readonly { building: string; name: string; households: number }[];
  commonAreas: readonly { code: string; name: string }[];
  /** demo: the grid workers' user names (accounts of the street office) */
  workers: readonly string[];
}

const COMMON_AREAS = [
  { code: 'east-gate', name: '东门' },
  { code: 'central-square', name: '中心广场' },
  { code: 'pocket-park', name: '口袋公园' },
  { code: 'car-park', name: '地面停车场' },
];

/** The demo community: two grids of 370 and 440 households (1号楼 … 6号楼). */
export const DEMO_GRIDS: readonly GridInfo[] = [
  {
    grid: 'grid-1',
    name: '第一网格',
    buildings: [{ building: 'b1', name: '1号楼', households: 120 }, { building: 'b2', name: '2号楼', households: 140 }, { building: 'b3', name: '3号楼', households: 110 }],
    commonAreas: COMMON_AREAS.slice(0, 2),
    workers: ['ma.grid'],
  },
  {
    grid: 'grid-2',
    name: '第二网格',
    buildings: [{ building: 'b4', name: '4号楼', households: 150 }, { building: 'b5', name: '5号楼', households: 130 }, { building: 'b6', name: '6号楼', households: 160 }],
    commonAreas: COMMON_AREAS.slice(2),
    workers: ['yang.grid'],
  },
];
