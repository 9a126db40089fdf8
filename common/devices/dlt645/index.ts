/** DL/T 645-2007: frames, BCD values and addresses, shared by the gateway (client) and firmware-sim (meter). */
export * from './address.ts';
export * from './bcd.ts';
export * from './frame.ts';
