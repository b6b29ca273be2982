import * as tf from '@tensorflow/tfjs';
import {
  LearnedTfOptimizer,
  learnedTfOptionsFromConfig,
  type LearnedTfOptimizerOptions,
} from '../tf-optimizer.js';
import { checkLearningRateSchedule } from './learning-rate-schedule.js';
import { normalizedLopt, type NormalizedLoptSettings } from './normalized-lopt.js';
import { checkWidthScale } from './width-scale.js';
import { checkDepthScale } from './depth-scale.js';

/** The normalised learned optimizer's settings and the loss watch's (tf-optimizer.ts). */
export type NormalizedTfOptimizerOptions = NormalizedLoptSettings &
  Pick<
    LearnedTfOptimizerOptions,
    'blowUpFactor' | 'fallback' | 'fallbackLearningRate' | 'onWarning'
  >;

/**
 * The normalised learned optimizer (normalized-lopt.ts) as a `tf.Optimizer`, with everything
 * `LearnedTfOptimizer` gives: per-variable state, the loss watch and its Adam fallback, and
 * `getWeights`/`setWeights`. It has no step knobs (no step features to hold; its step length is
 * the learning rate). Registered under its own class name, with its learning rate, total steps,
 * 1-D setting, width and depth scales in the saved config, so `tf.loadLayersModel` rebuilds it rather than the MLP
 * learned optimizer.
 */
export class NormalizedLearnedTfOptimizer extends LearnedTfOptimizer {
  static override readonly className: string = 'PesNormalizedLearnedOptimizer';

  private readonly settings: NormalizedLoptSettings;

  constructor(theta: Float64Array, options: NormalizedTfOptimizerOptions) {
    const { learningRate, totalSteps, oneDimensional, widthScale, depthScale, ...watch } = options;
    const settings: NormalizedLoptSettings = {
      learningRate: checkLearningRateSchedule(learningRate),
      totalSteps,
      oneDimensional: oneDimensional ?? 'learned',
      widthScale: checkWidthScale(widthScale),
      depthScale: checkDepthScale(depthScale),
    };
    super(theta, { ...watch, learnedOptimizer: normalizedLopt(settings) });
    this.settings = settings;
  }

  override getConfig(): tf.serialization.ConfigDict {
    // The step knobs are the MLP learned optimizer's; at their defaults here, they are left out.
    const { stepScale: _scale, stepFeatureLimit: _limit, ...rest } = super.getConfig();
    return {
      ...rest,
      learningRate: this.settings.learningRate as tf.serialization.ConfigDictValue,
      totalSteps: this.settings.totalSteps ?? null,
      oneDimensional: this.settings.oneDimensional ?? 'learned',
      widthScale: (this.settings.widthScale ?? null) as tf.serialization.ConfigDictValue,
      depthScale: (this.settings.depthScale ?? null) as tf.serialization.ConfigDictValue,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { theta, options } = learnedTfOptionsFromConfig(
      config,
      NormalizedLearnedTfOptimizer.className,
    );
    const { stepScale: _scale, stepFeatureLimit: _limit, ...watch } = options;
    const totalSteps = config['totalSteps'];
    const settings: NormalizedTfOptimizerOptions = {
      ...watch,
      learningRate: checkLearningRateSchedule(config['learningRate']),
      ...(typeof totalSteps === 'number' ? { totalSteps } : {}),
      oneDimensional: config['oneDimensional'] === 'adam' ? 'adam' : 'learned',
      widthScale: checkWidthScale(config['widthScale']),
      depthScale: checkDepthScale(config['depthScale']),
    };
    return new cls(theta, settings);
  }
}

// As LearnedTfOptimizer: tfjs finds the class by name when it loads a saved training config.
tf.serialization.registerClass(NormalizedLearnedTfOptimizer);
