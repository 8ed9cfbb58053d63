/** The consensus simulator and its checkers (not part of @machi/core's public API; used by tests and the CLI). */
export { runSim, runSeeds, FAULT_KINDS, type SimOptions, type SimResult, type SimSummary, type FaultKind, type InjectedBug } from './sim.js';
export { Checkers, type Violation, type ViolationKind, type CheckerConfig } from './checkers.js';
export { Prng } from './prng.js';
export { fakeSig, fakeSigValid } from './fakesig.js';
