/** common's public surface for other folders. */
export * from './time.ts';
