/**
 * firmware-sim: simulated inverters and meters over Modbus TCP/RTU.
 * Programmatic API (used by the gateway, ingest, soak and demo): see README.md.
 */
export { startSim, type SimHandle, type SimDeviceInfo } from './sim.js';
export { parseSimConfig, loadSimConfig, SimConfig, PROFILES, type Profile, type SimConfigInput, type SimDeviceConfig } from './config.js';
export { Fault, type FaultKind, LASTING_FAULTS } from './faults.js';
export type { DeviceTruth, DeviceStats } from './devices/device.js';
export { createClock, parseStart, type SimClock } from './clock.js';
