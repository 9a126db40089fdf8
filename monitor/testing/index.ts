export { pvlibReference, poaGlobal, type PvlibReference } from './pvlib.ts';
export { startWebhookReceiver, startSmtpSink, mailText, type WebhookReceiver, type SmtpSink } from './receiver.ts';
export { startScene, type Scene, type SceneOptions } from './scene.ts';
