import { imageTaskOptions } from '@pes/inner-problems/tasks';
import type { z } from 'zod';

/** The image task's options but the activation: the learned optimizer's networks use ReLU. */
export const loptTaskOptions = imageTaskOptions.omit({ activation: true });
export type LoptTaskOptions = z.infer<typeof loptTaskOptions>;
