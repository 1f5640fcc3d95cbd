import { SERVICE_MODELS, type ServiceName } from './sdk-models';

/** Errors the services define in their models; anything else is unmodeled (throttling, 5xx). */
export class TwinServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata = { httpStatusCode: 400 };
  constructor(
    readonly service: ServiceName,
    name: string,
    message: string,
    readonly modeled: boolean,
    fault: 'client' | 'server' = 'client',
  ) {
    super(message);
    this.name = name;
    this.$fault = fault;
    this.$metadata.httpStatusCode = fault === 'server' ? 503 : 400;
  }
}

interface ExceptionClass {
  new (opts: { message: string; $metadata: Record<string, unknown> }): Error;
}

function isExceptionClass(value: unknown): value is ExceptionClass {
  return typeof value === 'function' && value.prototype instanceof Error;
}

/**
 * An error as the real SDK raises it: an instance of the service's own
 * exception class when the model defines `name` (so `instanceof` and `.name`
 * checks in handlers behave as in AWS), tagged for the runner's renaming.
 */
export function serviceError(service: ServiceName, name: string, message: string): Error {
  const exceptionClass = SERVICE_MODELS[service].module[name];
  if (!isExceptionClass(exceptionClass)) {
    throw new Error(`twin bug: ${service} defines no exception ${name}`);
  }
  const error = new exceptionClass({ message, $metadata: { httpStatusCode: 400 } });
  return Object.assign(error, { twinModeled: true });
}

/** Throttling as each protocol names it (query protocol "Throttling", JSON "ThrottlingException"). */
export function throttlingError(service: ServiceName): Error {
  const name =
    SERVICE_MODELS[service].casing === 'camel' || service === 'dynamodb' || service === 'secretsmanager' || service === 'ssm'
      ? 'ThrottlingException'
      : 'Throttling';
  return new TwinServiceError(service, name, 'Rate exceeded', false);
}

export function isModeled(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'twinModeled' in error;
}
