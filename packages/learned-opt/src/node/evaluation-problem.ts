import { charWindows, DEFAULT_TEXT, type ImageData } from '@pes/inner-problems';
import { loadImageData } from '@pes/inner-problems/node';
import {
  EVALUATION_TASKS,
  problemNetwork,
  TEXT_WINDOW,
  type EvaluationProblem,
  type ProblemNetwork,
} from '../evaluation/problems.js';

/**
 * A problem ready to train: its task's dataset read from files (MNIST's embedded digits without
 * `dataDir`; the text task's is the embedded passage) and its network checked against it. Throws DataError for data that cannot be read
 * and EvaluationProblemError for a network that does not fit.
 */
export function loadEvaluationProblem(
  problem: EvaluationProblem,
  dataDir?: string,
): { data: ImageData; network: ProblemNetwork } {
  const { dataset } = EVALUATION_TASKS[problem.task];
  const data =
    dataset === 'text'
      ? charWindows(DEFAULT_TEXT, TEXT_WINDOW)
      : loadImageData({ dataset, ...(dataDir ? { dir: dataDir } : {}) });
  return { data, network: problemNetwork(problem, data) };
}
