import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeSqs } from './fake-sqs';

/** What a hook may do with one request before the fake answers it. */
export type SqsHttpHook = (op: string, input: any, req: http.IncomingMessage) => 'answer' | 'drop';

/**
 * The fake SQS over HTTP, speaking the AWS JSON 1.0 protocol the SDK's SQS client uses
 * (`X-Amz-Target: AmazonSQS.<Operation>`), for a bot in another process: point its SQS client's
 * `endpoint` here. `hook` sees each request first and may drop it (the socket is destroyed unanswered,
 * as when the caller dies mid-call).
 */
export async function startFakeSqsHttp(
  sqs: FakeSqs,
  hook: SqsHttpHook = () => 'answer',
): Promise<{ endpoint: string; calls: { op: string; input: any }[]; stop(): Promise<void> }> {
  const calls: { op: string; input: any }[] = [];
  const ops: Record<string, (input: any) => unknown> = {
    ReceiveMessage: (i) => sqs.receive(i),
    DeleteMessageBatch: (i) => sqs.deleteBatch(i),
    DeleteMessage: (i) => sqs.deleteMessage(i),
    GetQueueAttributes: (i) => sqs.attributes(i),
    SendMessage: (i) => ({ MessageId: sqs.send(i.QueueUrl, i.MessageBody).id }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const op = target.replace(/^AmazonSQS\./, '');
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        calls.push({ op, input });
        const send = (status: number, body: unknown) =>
          res
            .writeHead(status, {
              'content-type': 'application/x-amz-json-1.0',
              'x-amzn-requestid': `req-${calls.length}`,
            })
            .end(JSON.stringify(body));
        if (hook(op, input, req) === 'drop') {
          req.socket.destroy();
          return;
        }
        const fn = ops[op];
        if (!fn) return send(400, { __type: 'com.amazonaws.sqs#InvalidAction', message: `no fake for ${target}` });
        try {
          send(200, await fn(input));
        } catch (err) {
          send(400, { __type: `com.amazonaws.sqs#${(err as Error).name}`, message: (err as Error).message });
        }
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    async stop() {
      sqs.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
