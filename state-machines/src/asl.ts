/**
 * The part of the Amazon States Language (JSONPath) these machines use, as plain JSON.
 * JSON.stringify writes keys in insertion order, so the order in which a builder (or a
 * spread in a machine module) puts keys is the order of the published file: keep it.
 */
export type Json = string | number | boolean | null | Json[] | JsonObject;
export type JsonObject = { [key: string]: Json };

export type State = { Type: 'Task' | 'Choice' | 'Pass' | 'Wait' | 'Fail' | 'Succeed' | 'Parallel' | 'Map'; [key: string]: Json };
export type States = { [name: string]: State };
export type Branch = { StartAt: string; States: States };
export type StateMachine = { Comment: string; StartAt: string; TimeoutSeconds: number; States: States };

/** Comment sits between Resource and Parameters, where the console shows it next to the call. */
export function task(resource: string, parameters: JsonObject, comment?: string): State {
  return { Type: 'Task', Resource: resource, ...(comment === undefined ? {} : { Comment: comment }), Parameters: parameters };
}

/** A Lambda invocation; a string payload is a path into the input ("Payload.$"). */
export function lambda(functionName: string, payload: string | JsonObject, comment?: string): State {
  const body: JsonObject = typeof payload === 'string' ? { 'Payload.$': payload } : { Payload: payload };
  return task('arn:aws:states:::lambda:invoke', { FunctionName: functionName, ...body }, comment);
}

/** An AWS SDK service integration, e.g. sdk('rds:describeDBInstances', ...). */
export function sdk(action: string, parameters: JsonObject, comment?: string): State {
  return task(`arn:aws:states:::aws-sdk:${action}`, parameters, comment);
}

export function choice(choices: JsonObject[], otherwise: string): State {
  return { Type: 'Choice', Choices: choices, Default: otherwise };
}

export function wait(secondsPath: string, next: string): State {
  return { Type: 'Wait', SecondsPath: secondsPath, Next: next };
}

/** A StringEquals rule; without `next` it is a condition inside And / Or. */
export function stringEquals(variable: string, value: string, next?: string): JsonObject {
  return { Variable: variable, StringEquals: value, ...(next === undefined ? {} : { Next: next }) };
}
