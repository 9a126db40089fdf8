export { startBroker, type BrokerHandle, type BrokerStats } from './server.js';
export { BrokerOptions } from './config.js';
export { hashPassword, verifyPassword, loadCredentials, type BrokerUser } from './credentials.js';
export { mayPublish, maySubscribe } from './acl.js';
