export { startBroker, type BrokerHandle, type BrokerStats } from './server.ts';
export { BrokerOptions } from './config.ts';
export { hashPassword, verifyPassword, loadCredentials, type BrokerUser } from './credentials.ts';
export { mayPublish, maySubscribe } from './acl.ts';
