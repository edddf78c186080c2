#!/usr/bin/env -S node --max-semi-space-size=4
// The young generation capped at 4 MB a half (16 by default): idle memory about 25 MB lower,
// for slightly more frequent minor collections. `npm start` passes the same flag.
// Runs the built CLI; `npm install` builds it (postinstall), `npm run build` rebuilds it.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('incident-bot is not built yet: run `npm run build` in the project folder.');
  process.exit(1);
}
await import(entry.href);
