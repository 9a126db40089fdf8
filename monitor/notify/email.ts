import nodemailer from 'nodemailer';
import type { Message } from './message.ts';

export interface SmtpOptions {
  host: string;
  port: number;
  secure: boolean;
  username?: string | undefined;
  password?: string | undefined;
  from: string;
  to: string[];
}

/** An e-mail channel over SMTP (nodemailer); one transport, reused. */
export function emailSender(o: SmtpOptions): { send(m: Message): Promise<void>; close(): void } {
  const transport = nodemailer.createTransport({
    host: o.host,
    port: o.port,
    secure: o.secure,
    ...(o.username ? { auth: { user: o.username, pass: o.password ?? '' } } : {}),
    // a local sink (and many relays inside a plant's network) has no certificate worth checking
    ignoreTLS: !o.secure,
  });
  return {
    async send(m) {
      await transport.sendMail({ from: o.from, to: o.to.join(', '), subject: m.subject, text: m.body });
    },
    close: () => transport.close(),
  };
}
