#!/usr/bin/env node
// The sunshare command runs the TypeScript sources directly through tsx,
// so there is no build step between `npm ci` and `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('./sunshare.ts');
