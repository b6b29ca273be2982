export { main } from './main.js';
export type { Io } from '@pes/runner/node';
