export {
  mlpLearnedOptimizerReference,
  mlpLearnedOptimizerReferenceRule,
} from './mlp-lopt-reference.js';
export { learnedOptimizerRule } from './tensor-learned-optimizer.js';
export type { TensorLearnedOptimizer } from './tensor-learned-optimizer.js';
export {
  foldedLoptWeights,
  initialMlpLoptTheta,
  LOPT_HIDDEN,
  LOPT_INPUTS,
  mlpLearnedOptimizer,
  mlpLearnedOptimizerRule,
  mlpLoptLayout,
  MOMENTUM_DECAYS,
  PARAMETER_FEATURES,
  STEP_TIMESCALES,
} from './mlp-lopt.js';
export { initialLoptTheta } from './lopt-theta.js';
export { evaluateLearnedOptimizer } from './evaluate-learned-optimizer.js';
export type {
  EvaluateLearnedOptimizerOptions,
  LearnedOptimizerRole,
} from './evaluate-learned-optimizer.js';
export { LearnedTfOptimizer } from './tf-optimizer.js';
export { withStepKnobs } from './step-knobs.js';
export {
  familyLearnedOptimizer,
  mlpFamilyLearnedOptimizer,
  mlpFamilyTheta,
  normalizedTheta,
} from './family-optimizer.js';
export type { FamilyLearnedOptimizerOptions } from './family-optimizer.js';
export {
  NORMALIZED_WEIGHTS,
  NORMALIZED_WEIGHTS_PROVENANCE,
} from './normalized/normalized-weights.js';
export { FAMILY_WEIGHTS, FAMILY_WEIGHTS_PROVENANCE } from './family-weights.js';
export type { StepKnobs } from './step-knobs.js';
export type { LearnedTfOptimizerOptions } from './tf-optimizer.js';
export { DEFAULT_BLOW_UP_FACTOR, UNWATCHED, watchLoss } from './loss-watch.js';
export type { LossWatch } from './loss-watch.js';
export {
  learnedOptimizerJson,
  learnedOptimizerWeights,
  mlpLoptArchitecture,
  stepKnobsFromWeights,
  thetaFromWeights,
  WEIGHTS_FORMAT,
  WEIGHTS_VERSION,
  WeightsError,
} from './weights-json.js';
export { familyTask } from './family/family-task.js';
export type { FamilyState, FamilyTaskOptions } from './family/family-task.js';
export { DEFAULT_TASK_FAMILY, describeMember, sampleMember } from './family/task-family.js';
export type { FamilyMember, TaskFamily } from './family/task-family.js';
export {
  defaultEvalEvery,
  EVALUATION_TASKS,
  EvaluationProblemError,
  DEFAULT_HORIZON_MULTIPLES,
  HELD_OUT_SUITE,
  LONGEST_TRAINED_HORIZON,
  MLP_FAMILY_HELD_OUT_SUITE,
  problemNetwork,
  SUITES,
  SUITES_AT_MULTIPLES,
  taskProblem,
} from './evaluation/problems.js';
export type {
  EvaluationDataset,
  EvaluationProblem,
  EvaluationTaskName,
  ProblemNetwork,
  SuiteProblem,
} from './evaluation/problems.js';
export {
  GEOMETRIC_MEAN_TARGET,
  geometricMean,
  interquartileMean,
  rowName,
  STEP_TIME_FACTOR,
  suiteRow,
  suiteSummary,
  suiteVerdict,
  TUNED_ADAM_SELECTION,
  WITHIN_FACTOR,
} from './evaluation/suite-verdict.js';
export type { Climb, RowFigures, SuiteRow, SuiteSummary } from './evaluation/suite-verdict.js';
export {
  checkLearningRateSchedule,
  episodeLearningRate,
  scheduledLearningRate,
} from './normalized/learning-rate-schedule.js';
export type { EpisodeSchedule, LearningRateSchedule } from './normalized/learning-rate-schedule.js';
export {
  FRACTION_FEATURES,
  NORMALIZED_HIDDEN,
  NORMALIZED_INPUTS,
  NORMALIZED_MOMENTUM_DECAYS,
  normalizedLoptLayout,
  PARAMETER_FEATURE_NAMES,
} from './normalized/normalized-layout.js';
export {
  foldedNormalizedWeights,
  initialNormalizedLoptTheta,
  normalizedLopt,
} from './normalized/normalized-lopt.js';
export type { NormalizedLoptSettings } from './normalized/normalized-lopt.js';
export { NormalizedLearnedTfOptimizer } from './normalized/normalized-tf-optimizer.js';
export {
  checkWidthScale,
  FAMILY_WIDTH_SCALE,
  fanInOf,
  widthFactor,
} from './normalized/width-scale.js';
export type { WidthScale } from './normalized/width-scale.js';
export {
  checkDepthScale,
  depthFactor,
  depthOf,
  FAMILY_DEPTH_SCALE,
  type DepthScale,
} from './normalized/depth-scale.js';
export type { NormalizedTfOptimizerOptions } from './normalized/normalized-tf-optimizer.js';
export {
  normalizedLearnedOptimizer,
  untrainedNormalizedTheta,
} from './normalized/normalized-optimizer.js';
export {
  episodeScheduleFromWeights,
  normalizedLearnedOptimizerJson,
  normalizedLoptArchitecture,
  thetaFromNormalizedWeights,
} from './normalized/normalized-weights-json.js';
export { sampleReparameterisation } from './family/reparameterisation.js';
export { reparameterisedRule } from './family/reparameterised-rule.js';
export type { Reparameterisation, ReparameterisationRange } from './family/reparameterisation.js';
export { fetchLearnedOptimizer } from './fetch-weights.js';
export type { FetchWeights } from './fetch-weights.js';
// Reading and writing weights files, and the tasks that load a dataset from files, are exported
// with the task registry from '@pes/learned-opt/node' (the registry alone: '@pes/learned-opt/tasks').
