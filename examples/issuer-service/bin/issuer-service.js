#!/usr/bin/env node
// The `tradewind-issuer-service` command: the built service (run `pnpm build` first).
import '../dist/main.js';
