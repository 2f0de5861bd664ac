/**
 * Errors shaped as the SDK throws them: a name, the HTTP status in `$metadata`, and the raw
 * response (with its headers) in `$response`.
 */
export function sdkError(
  name: string,
  status: number,
  options: { message?: string; headers?: Record<string, string> } = {},
): Error {
  return Object.assign(new Error(options.message ?? `${name} (${status})`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    $response: { statusCode: status, headers: options.headers ?? {} },
  });
}
