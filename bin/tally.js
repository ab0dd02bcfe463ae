#!/usr/bin/env node
// The `tally` command: the compiled CLI (run `npm run build` first in a checkout).
import { main } from '../dist/src/cli/main.js';

await main();
