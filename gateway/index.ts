/** The site gateway: polls Modbus devices and publishes telemetry over MQTT with a disk spool. */
export { startGateway, GATEWAY_VERSION, type GatewayHandle, type GatewayOptions, type GatewayStats } from './gateway.ts';
export { GatewayConfig, DeviceConfig, loadGatewayConfig, parseGatewayConfig } from './config.ts';
export { Spool, type SpoolEntry, type SpoolOptions, type SpoolStats } from './spool/index.ts';
export { ModbusLine, ModbusException, type LineTarget, type LineStats } from './modbus/line.ts';
