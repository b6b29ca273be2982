#!/usr/bin/env node
// The `pes` command runs the compiled app; `npm ci` builds it (root `prepare` script).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
