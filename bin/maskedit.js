#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so a fresh `npm ci` checkout works without a build step.
import { register } from 'tsx/esm/api';

register();
const { runMain } = await import('../src/cli/main.ts');
await runMain(process.argv.slice(2));
