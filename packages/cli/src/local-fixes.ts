import type { ConnectionContext } from './types/connection.ts';

/** The fix when nothing answers at the (printable, redacted) endpoint, for where it came from. */
export function unreachableFix(endpoint: string | undefined, connection: ConnectionContext) {
  if (connection.local) {
    return (
      `The pnpm dev on ${connection.local.dataDir} wrote ${endpoint} as its S3, but nothing ` +
      'answers there: restart pnpm dev.'
    );
  }
  if (endpoint) {
    return (
      `Is pnpm dev running? Start it with \`pnpm dev\` and pass --local, or give the address of ` +
      `the S3 server that runs with --endpoint-url (this one came from ${connection.endpointFrom ?? 'S3_ENDPOINT'}).`
    );
  }
  return (
    'Check the network path to S3 (proxy, VPC endpoint, DNS). For a local server, pass --local ' +
    '(with pnpm dev running) or --endpoint-url.'
  );
}
