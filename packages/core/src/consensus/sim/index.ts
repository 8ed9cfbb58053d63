/**
 * The step-level consensus simulator and the checkers (not part of @machi/core's public API: `@machi/core/sim`, used by
 * tests, the step-level CLI and the node's real-driver simulator, packages/node/src/sim/).
 */
export { runSim, runSeeds, FAULT_KINDS, type SimOptions, type SimResult, type SimSummary, type FaultKind, type InjectedBug } from './sim.js';
export { Checkers, type Violation, type ViolationKind, type CheckerConfig } from './checkers.js';
export { Prng } from './prng.js';
export { fakeSig, fakeSigValid } from './fakesig.js';
export { EventQueue, type Timed } from './queue.js';
