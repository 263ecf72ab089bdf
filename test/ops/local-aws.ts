import { Readable } from 'node:stream';

export interface LocalAnswer {
  status: number;
  body: string;
  contentType?: string;
}

/** One request as the local handler saw it: the operation and the raw body. */
export interface LocalRequest {
  operation: string;
  body: string;
}

/**
 * An SDK v3 `requestHandler` that answers on this machine instead of over the network, so a real
 * client runs its whole middleware stack (serialisation, signing, retries, deserialisation). The
 * operation comes from `x-amz-target` (JSON protocols) or the `Action` form field (query protocol).
 */
export function localRequestHandler(answer: (req: LocalRequest) => LocalAnswer) {
  const seen: LocalRequest[] = [];
  return {
    seen,
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const raw = request.body;
      const body = typeof raw === 'string' ? raw : raw instanceof Uint8Array ? new TextDecoder().decode(raw) : '';
      const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
      const operation = target ? String(target).split('.').pop()! : (new URLSearchParams(body).get('Action') ?? '?');
      const req = { operation, body };
      seen.push(req);
      const a = answer(req);
      return {
        response: {
          statusCode: a.status,
          headers: {
            'content-type': a.contentType ?? 'application/x-amz-json-1.1',
            'x-amzn-requestid': `req-${seen.length}`,
          },
          body: Readable.from([Buffer.from(a.body)]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };
}

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

/** A JSON-protocol error body as AWS sends it. */
export function jsonError(type: string, message = type): LocalAnswer {
  return { status: 400, body: JSON.stringify({ __type: type, message }) };
}

/** A query-protocol (XML) answer for STS GetCallerIdentity. */
export function stsIdentityXml(account: string): LocalAnswer {
  return {
    status: 200,
    contentType: 'text/xml',
    body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::${account}:assumed-role/bot/x</Arn><UserId>AROA:x</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  };
}
