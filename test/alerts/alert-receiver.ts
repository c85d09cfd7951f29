// A local alert receiver (node:http on a free port), as an admin's would be:
// it checks each delivery's signature over the raw bytes with its own HMAC
// (the README's recipe, not the service's code), reads the body through the
// notice's schema, and answers as told: 200, a status, or not at all (down:
// the port refuses connections).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertNoticeSchema, type AlertNotice } from '../../src/alerts/alert-webhook.js';

export interface Delivery {
  notice: AlertNotice;
  /** what the receiver answered */
  answered: number;
  signatureOk: boolean;
  /** Alert-Timestamp, unix seconds */
  timestamp: number;
  path: string;
}

export interface AlertReceiver {
  /** the URL to post to (with a path and a query that must never reach a log) */
  url: string;
  deliveries: Delivery[];
  /** the notices it took (answered 2xx) */
  taken(): AlertNotice[];
  /** answer every delivery with this status from now on */
  answerWith(status: number): void;
  /** stop listening: the port refuses connections */
  goDown(): Promise<void>;
  /** listen again on the same port */
  comeUp(): Promise<void>;
  close(): Promise<void>;
}

export const RECEIVER_PATH = '/hooks/integration-alerts';
export const RECEIVER_KEY = 'receiver-query-key-0b7f';

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function signatureMatches(secret: string, timestamp: string, raw: Buffer, header: string): boolean {
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest();
  const match = /^v1=([0-9a-f]{64})$/.exec(header);
  return match !== null && timingSafeEqual(Buffer.from(match[1] as string, 'hex'), expected);
}

export async function startAlertReceiver(secret: string): Promise<AlertReceiver> {
  const deliveries: Delivery[] = [];
  let status = 200;
  let port = 0;
  let server: Server | undefined;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((request, response) => {
        void readBody(request).then((raw) => {
          const timestamp = String(request.headers['alert-timestamp'] ?? '');
          const signature = String(request.headers['alert-signature'] ?? '');
          deliveries.push({
            notice: alertNoticeSchema.parse(JSON.parse(raw.toString('utf8'))),
            answered: status,
            signatureOk: request.headers['content-type'] === 'application/json' && signatureMatches(secret, timestamp, raw, signature),
            timestamp: Number(timestamp),
            path: request.url ?? '',
          });
          response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
        });
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.closeAllConnections();
      s.close(() => resolve());
    });

  await listen();
  return {
    url: `http://127.0.0.1:${port}${RECEIVER_PATH}?key=${RECEIVER_KEY}`,
    deliveries,
    taken: () => deliveries.filter((d) => d.answered >= 200 && d.answered < 300).map((d) => d.notice),
    answerWith: (s) => {
      status = s;
    },
    goDown: stop,
    comeUp: listen,
    close: stop,
  };
}
