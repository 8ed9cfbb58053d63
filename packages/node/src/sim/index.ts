/** The real-driver consensus simulator (used by tests and `npm run sim`). docs/spec/consensus.md#simulator */
export { runSim, runSeeds, FAULT_KINDS, type SimOptions, type SimResult, type SimSummary, type FaultKind, type InjectedBug } from './sim.js';
