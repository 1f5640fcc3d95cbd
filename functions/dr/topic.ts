/**
 * The region of an SNS topic, from its ARN (the DR functions publish to their own region's topic).
 * Its own module: the approval function imports nothing else of the DR helpers, which keeps its bundle small.
 */
export const topicRegion = (topicArn: string): string => topicArn.split(':')[3];
