#!/usr/bin/env node
// The `tradewind-verifier-web` command: the built server (run `pnpm build` first).
import '../dist/main.js';
