#!/usr/bin/env node
// Node runs the TypeScript sources itself (type stripping, Node 22.18 and newer):
// no transpiler and no build step between `npm ci` and `npm start`. The compile
// cache keeps the stripped and compiled modules on disk, so later starts skip that work.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
await import('./sunshare.ts');
