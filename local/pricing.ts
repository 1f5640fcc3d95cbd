/**
 * Prices the drill and the benchmark use to estimate what a run costs, in
 * USD, us-east-1, on-demand, as published on the AWS pricing pages
 * (aws.amazon.com/step-functions/pricing, aws.amazon.com/lambda/pricing,
 * aws.amazon.com/dynamodb/pricing/on-demand, aws.amazon.com/cloudwatch/pricing),
 * read 2026-11. Estimates only: free tiers are ignored.
 */
export const PRICES = {
  /** Standard workflows: $0.025 per 1,000 state transitions. */
  stepFunctionsPerTransition: 0.025 / 1000,
  /** Lambda requests: $0.20 per million. */
  lambdaPerRequest: 0.2 / 1_000_000,
  /** Lambda on arm64: $0.0000133334 per GB-second. */
  lambdaPerGbSecond: 0.0000133334,
  /** DynamoDB on-demand: $0.625 per million write request units (2024 price cut). */
  dynamoDbPerWrite: 0.625 / 1_000_000,
  /** DynamoDB on-demand: $0.125 per million read request units. */
  dynamoDbPerRead: 0.125 / 1_000_000,
  /** CloudWatch custom metrics: $0.30 per metric per month (first 10,000). */
  cloudWatchPerMetricMonth: 0.3,
  /** CloudWatch standard-resolution alarms: $0.10 per alarm metric per month. */
  cloudWatchPerAlarmMonth: 0.1,
} as const;

/** Lambda assumptions for estimates: the ops-function default memory and a typical handler duration. */
export const LAMBDA_ASSUMPTIONS = { memoryGb: 0.25, averageSeconds: 0.3 } as const;

/** Step Functions Standard: billed per state transition. */
export const stepFunctionsCost = (transitions: number): number => transitions * PRICES.stepFunctionsPerTransition;

/** Lambda: per request plus GB-seconds at the assumed memory and duration. */
export const lambdaCost = (invocations: number): number =>
  invocations * (PRICES.lambdaPerRequest + LAMBDA_ASSUMPTIONS.memoryGb * LAMBDA_ASSUMPTIONS.averageSeconds * PRICES.lambdaPerGbSecond);

/** Estimated cost of one execution from its transitions and Lambda invocations. */
export function executionCost(transitions: number, lambdaInvocations: number): number {
  return stepFunctionsCost(transitions) + lambdaCost(lambdaInvocations);
}
