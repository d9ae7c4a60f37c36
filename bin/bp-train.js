#!/usr/bin/env node
// The installed command: all logic lives in src/cli (compiled to dist/ by `npm install`).
import { main } from '../dist/cli/main.js';
main(process.argv);
