/**
 * AWS list prices Baton's cost estimate uses: on-demand, us-east-1, in USD, as published on each
 * service's pricing page and in effect from 2024-11-01 (DynamoDB on-demand's price cut). Free
 * tiers are not deducted and only the first volume tier is used, so estimates err high.
 */
export const PRICES = {
  region: "us-east-1",
  asOf: "2024-11-01",
  stepFunctions: {
    /** Standard: per state transition ($0.025 per 1,000). */
    usdPerTransition: 0.000_025,
    /** Express: per request ($1.00 per million). */
    expressUsdPerRequest: 0.000_001,
    /** Express duration, first 1,000 GB-hours a month. */
    expressUsdPerGbSecond: 0.000_016_67,
    /** Express bills memory in 64 MB steps (a small execution is billed 64 MB) and time per 100 ms. */
    expressMemoryMb: 64,
    expressBillingIncrementMs: 100,
  },
  lambda: {
    /** Per invocation ($0.20 per million). */
    usdPerRequest: 0.000_000_2,
    /** Duration, first tier, by architecture; billed per 1 ms. */
    usdPerGbSecond: { arm64: 0.000_013_333_4, x86_64: 0.000_016_666_7 },
  },
  dynamodb: {
    /** On-demand write request unit ($0.625 per million). */
    usdPerWriteUnit: 0.000_000_625,
    /** On-demand read request unit ($0.125 per million). */
    usdPerReadUnit: 0.000_000_125,
  },
  eventBridge: {
    /** Custom events put on a bus, per 64 KB chunk ($1.00 per million). AWS service events are free. */
    usdPerEvent: 0.000_001,
  },
  apiGateway: {
    /** REST API request, first 333 million a month ($3.50 per million). */
    usdPerRequest: 0.000_003_5,
  },
  cloudWatchLogs: {
    /** Ingestion ($0.50 per GB), standard and vended logs alike. */
    usdPerGb: 0.5,
  },
} as const;

export type Architecture = keyof (typeof PRICES)["lambda"]["usdPerGbSecond"];

/** The prices as rows for people: what, unit, USD. */
export function priceRows(): readonly (readonly [string, string, number])[] {
  const p = PRICES;
  return [
    ["Step Functions Standard", "state transition", p.stepFunctions.usdPerTransition],
    ["Step Functions Express", "request", p.stepFunctions.expressUsdPerRequest],
    [
      "Step Functions Express",
      `GB-second (${p.stepFunctions.expressMemoryMb} MB, per ${p.stepFunctions.expressBillingIncrementMs} ms)`,
      p.stepFunctions.expressUsdPerGbSecond,
    ],
    ["Lambda", "request", p.lambda.usdPerRequest],
    ["Lambda arm64", "GB-second", p.lambda.usdPerGbSecond.arm64],
    ["Lambda x86_64", "GB-second", p.lambda.usdPerGbSecond.x86_64],
    ["DynamoDB on-demand", "write request unit", p.dynamodb.usdPerWriteUnit],
    ["DynamoDB on-demand", "read request unit", p.dynamodb.usdPerReadUnit],
    ["EventBridge", "custom event", p.eventBridge.usdPerEvent],
    ["API Gateway REST", "request", p.apiGateway.usdPerRequest],
    ["CloudWatch Logs", "GB ingested", p.cloudWatchLogs.usdPerGb],
  ];
}
