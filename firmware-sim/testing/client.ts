import ModbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';

/** modbus-serial's client class (its CommonJS default export is the class; the typings say otherwise). */
export const ModbusClient = ModbusSerial as unknown as typeof ModbusRTU;
export type ModbusClient = ModbusRTU;
