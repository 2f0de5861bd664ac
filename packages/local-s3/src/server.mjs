// Hosts s3rver in its own process. It must run under --openssl-legacy-provider: s3rver builds
// ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through that provider.
import S3rver from 's3rver';

const report = (error) => {
  process.stdout.write(
    `${JSON.stringify({ ready: false, code: error.code, message: error.message })}\n`,
  );
  process.exit(1);
};
// s3rver does not handle its HTTP server's 'error' (a port in use): report it as a start failure.
process.on('uncaughtException', report);

const options = JSON.parse(process.env.LOCAL_S3_OPTIONS ?? '{}');
const server = new S3rver({
  address: options.address ?? '127.0.0.1',
  port: options.port ?? 0,
  silent: options.silent ?? true,
  directory: options.directory,
  configureBuckets: (options.buckets ?? []).map((bucket) => ({
    name: bucket.name,
    configs: bucket.corsXml ? [bucket.corsXml] : [],
  })),
});
// s3rver emits 'error' for ordinary S3 errors (a NoSuchKey) too; they are answers, not crashes.
server.on('error', () => {});

try {
  const { address, port } = await server.run();
  process.stdout.write(`${JSON.stringify({ ready: true, address, port })}\n`);
} catch (error) {
  report(error);
}

const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
