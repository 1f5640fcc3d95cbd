import { describe, expect, it } from 'vitest';
import { isUnreachable } from '../../../functions/shared/errors';

const error = (name: string, props: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...props });

describe('isUnreachable (a region that does not answer, as the deferred copy and the preflight read it)', () => {
  it.each([
    ['a refused connection', error('Error', { code: 'ECONNREFUSED' })],
    ['an endpoint that does not resolve', error('Error', { code: 'ENOTFOUND' })],
    ['a connection that timed out (the clients bound it)', error('TimeoutError')],
    ['a 503 from the service', error('ServiceUnavailable', { $fault: 'server', $metadata: { httpStatusCode: 503 } })],
  ])('is true for %s', (_, e) => {
    expect(isUnreachable(e)).toBe(true);
  });

  it.each([
    ['an access denial', error('AccessDenied', { $fault: 'client', $metadata: { httpStatusCode: 403 } })],
    ['throttling', error('ThrottlingException', { $fault: 'client', $metadata: { httpStatusCode: 400 } })],
    ['a missing resource', error('DBSnapshotNotFoundFault', { $fault: 'client', $metadata: { httpStatusCode: 404 } })],
    ['something that is not an error', 'down'],
  ])('is false for %s: the region answered', (_, e) => {
    expect(isUnreachable(e)).toBe(false);
  });
});
