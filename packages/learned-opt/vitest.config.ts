import { defineProjectConfig } from '../../vitest.shared.js';

// Tensor tests run on the WebAssembly backend, the one a machine without tfjs-node gets.
export default defineProjectConfig(import.meta.dirname, { setupFiles: ['test/setup-backend.ts'] });
