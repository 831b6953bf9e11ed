#!/usr/bin/env node
import { main } from './main.js';

// exitCode rather than process.exit(): lets stdout drain when it is a pipe.
process.exitCode = await main(process.argv.slice(2));
