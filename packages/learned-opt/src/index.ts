export { learnableAdam, learnableSgd } from './learned-optimizer.js';
export type { LearnedOptimizer } from './learned-optimizer.js';
