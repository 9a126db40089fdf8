/**
 * firmware-sim: simulated inverters and meters over Modbus TCP/RTU.
 * Programmatic API (used by the gateway, ingest, soak and demo): see README.md.
 */
export { startSim, type SimHandle, type SimDeviceInfo } from './sim.ts';
export { parseSimConfig, loadSimConfig, SimConfig, PROFILES, type Profile, type SimConfigInput, type SimDeviceConfig } from './config.ts';
export { Fault, type FaultKind, LASTING_FAULTS } from './faults.ts';
export type { DeviceTruth, DeviceStats } from './devices/device.ts';
export { createClock, parseStart, type SimClock } from './clock.ts';
