import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake answered. */
export interface SecretsManagerRequest {
  /** The `X-Amz-Target`, such as `secretsmanager.GetSecretValue`. */
  readonly target: string;
  readonly secretId: string;
  /** Whether the request was SigV4-signed for the secretsmanager service. */
  readonly signed: boolean;
}

/** A Secrets Manager endpoint on 127.0.0.1 that answers GetSecretValue from a map. */
export interface FakeSecretsManager {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  readonly endpoint: string;
  /** Stores (or replaces) a secret string under a name. */
  put(name: string, secretString: string): void;
  /** Every request since the last call, oldest first. */
  take(): SecretsManagerRequest[];
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts a server speaking Secrets Manager's JSON 1.1 protocol for GetSecretValue only, as the
 * service does: the secret's string, or 400 ResourceNotFoundException for an unknown name.
 */
export async function startFakeSecretsManager(): Promise<FakeSecretsManager> {
  const secrets = new Map<string, string>();
  let requests: SecretsManagerRequest[] = [];
  const server = createServer(async (request, response) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const { SecretId: secretId = '' } = JSON.parse((await bodyOf(request)) || '{}') as {
      SecretId?: string;
    };
    const signed = /Credential=[^,]+\/secretsmanager\/aws4_request/.test(
      String(request.headers.authorization ?? ''),
    );
    requests.push({ target, secretId, signed });
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(body));
    };
    const secret = secrets.get(secretId);
    if (target !== 'secretsmanager.GetSecretValue') {
      answer(400, { __type: 'InvalidRequestException', message: `Not faked: ${target}` });
    } else if (secret === undefined) {
      answer(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
    } else {
      answer(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secretId}-AbCdEf`,
        Name: secretId,
        SecretString: secret,
        VersionId: '00000000-0000-4000-8000-000000000000',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1767268800,
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    put: (name, secretString) => secrets.set(name, secretString),
    take: () => {
      const taken = requests;
      requests = [];
      return taken;
    },
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}
