/**
 * Conformance table for the local EventBridge pattern matcher. Every row cites the AWS user guide
 * page (and example) it comes from:
 * - PATTERNS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * - OPERATORS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 * - FILTERING: https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html
 * - ARRAYS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 * - NULLS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 */
import { describe, expect, it } from "vitest";
import {
  assertPattern,
  type EventPattern,
  EventPatternError,
  matchesPattern,
} from "../../lib/local/event-matcher.ts";

const ec2Event = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-12-22T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  detail: { "instance-id": "i-1234567890abcdef0", state: "terminated" },
};

const nullsEvent = {
  version: "0",
  id: "3e3c153a-8339-4e30-8c35-687ebef853fe",
  "detail-type": "EC2 Instance Launch Successful",
  source: "aws.autoscaling",
  account: "123456789012",
  time: "2015-11-11T21:31:47Z",
  region: "us-east-1",
  resources: [],
  detail: { eventVersion: "", responseElements: null },
};

const metricsPattern: EventPattern = {
  detail: {
    $or: [
      { "c-count": [{ numeric: [">", 0, "<=", 5] }] },
      { "d-count": [{ numeric: ["<", 10] }] },
      { "x-limit": [{ numeric: ["=", 3.018e2] }] },
    ],
  },
};

type Row = readonly [
  doc: string,
  name: string,
  pattern: EventPattern,
  event: object,
  matches: boolean,
];

const rows: readonly Row[] = [
  // Creating event patterns
  [
    "PATTERNS: source + detail-type + detail.state",
    "matches the EC2 example",
    {
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: { state: ["terminated"] },
    },
    ec2Event,
    true,
  ],
  [
    "PATTERNS: source + detail-type + detail.state",
    "fails when one field differs",
    { source: ["aws.ec2"], detail: { state: ["running"] } },
    ec2Event,
    false,
  ],
  [
    "PATTERNS: values in an array are alternatives",
    "matches any listed state",
    { detail: { state: ["pending", "terminated"] } },
    ec2Event,
    true,
  ],
  [
    "PATTERNS: every pattern field must be in the event",
    "fails when the event lacks a field",
    { detail: { "no-such-field": ["x"] } },
    ec2Event,
    false,
  ],
  [
    "PATTERNS: fields must have the same nesting",
    "fails when a nested pattern meets a leaf",
    { source: { nested: ["aws.ec2"] } },
    ec2Event,
    false,
  ],
  [
    "PATTERNS: matching is case-sensitive",
    "fails on a different case",
    { source: ["AWS.EC2"] },
    ec2Event,
    false,
  ],
  // Arrays
  [
    "ARRAYS: resources intersection",
    "matches when one pattern value is in the event array",
    {
      resources: [
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
      ],
    },
    {
      resources: [
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
      ],
    },
    true,
  ],
  [
    "ARRAYS: resources intersection",
    "fails when the intersection is empty",
    { resources: ["arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"] },
    { resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"] },
    false,
  ],
  [
    "ARRAYS: intersection applies to nested arrays of objects",
    "matches an element of an array of objects",
    { detail: { items: { sku: ["b-2"] } } },
    { detail: { items: [{ sku: "a-1" }, { sku: "b-2" }] } },
    true,
  ],
  // Null values and empty strings
  [
    'NULLS: eventVersion [""]',
    "matches an empty string",
    { detail: { eventVersion: [""] } },
    nullsEvent,
    true,
  ],
  [
    "NULLS: responseElements [null]",
    "matches a null value",
    { detail: { responseElements: [null] } },
    nullsEvent,
    true,
  ],
  [
    "NULLS: null and empty string are not interchangeable",
    'fails when [""] meets null',
    { detail: { responseElements: [""] } },
    nullsEvent,
    false,
  ],
  [
    "NULLS: null and empty string are not interchangeable",
    'fails when [null] meets ""',
    { detail: { eventVersion: [null] } },
    nullsEvent,
    false,
  ],
  // Comparison operators table
  [
    "OPERATORS: And (Location New York and Day Monday)",
    "matches both fields",
    { Location: ["New York"], Day: ["Monday"] },
    { Location: "New York", Day: "Monday" },
    true,
  ],
  [
    "OPERATORS: And (Location New York and Day Monday)",
    "fails when one field differs",
    { Location: ["New York"], Day: ["Monday"] },
    { Location: "New York", Day: "Tuesday" },
    false,
  ],
  [
    "OPERATORS: Anything-but initializing",
    "matches another state",
    { state: [{ "anything-but": "initializing" }] },
    { state: "running" },
    true,
  ],
  [
    "OPERATORS: Anything-but initializing",
    "fails on the excluded state",
    { state: [{ "anything-but": "initializing" }] },
    { state: "initializing" },
    false,
  ],
  [
    "OPERATORS: Anything-but (begins with) us-",
    "matches eu-west-1",
    { Region: [{ "anything-but": { prefix: "us-" } }] },
    { Region: "eu-west-1" },
    true,
  ],
  [
    "OPERATORS: Anything-but (begins with) us-",
    "fails on us-east-1",
    { Region: [{ "anything-but": { prefix: "us-" } }] },
    { Region: "us-east-1" },
    false,
  ],
  [
    "OPERATORS: Anything-but (ends with) .png",
    "matches photo.jpg",
    { FileName: [{ "anything-but": { suffix: ".png" } }] },
    { FileName: "photo.jpg" },
    true,
  ],
  [
    "OPERATORS: Anything-but (ends with) .png",
    "fails on photo.png",
    { FileName: [{ "anything-but": { suffix: ".png" } }] },
    { FileName: "photo.png" },
    false,
  ],
  [
    "OPERATORS: Anything-but (ignore case) initializing",
    "fails on INITIALIZING",
    { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] },
    { state: "INITIALIZING" },
    false,
  ],
  [
    "OPERATORS: Anything-but using a wildcard */lib/*",
    "fails on a path under /lib/",
    { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] },
    { FilePath: "/usr/lib/node" },
    false,
  ],
  [
    "OPERATORS: Anything-but using a wildcard */lib/*",
    "matches a path without /lib/",
    { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] },
    { FilePath: "/usr/bin/node" },
    true,
  ],
  [
    "OPERATORS: Begins with us-",
    "matches us-east-1",
    { Region: [{ prefix: "us-" }] },
    { Region: "us-east-1" },
    true,
  ],
  [
    "OPERATORS: Begins with (ignore case) eventb",
    "matches EventBridge",
    { service: [{ prefix: { "equals-ignore-case": "eventb" } }] },
    { service: "EventBridge" },
    true,
  ],
  [
    'OPERATORS: Empty LastName [""]',
    "fails on a non-empty name",
    { LastName: [""] },
    { LastName: "Doe" },
    false,
  ],
  ["OPERATORS: Equals Name Alice", "matches Alice", { Name: ["Alice"] }, { Name: "Alice" }, true],
  [
    "OPERATORS: Equals (ignore case) alice",
    "matches ALICE",
    { Name: [{ "equals-ignore-case": "alice" }] },
    { Name: "ALICE" },
    true,
  ],
  [
    "OPERATORS: Ends with .png",
    "matches photo.png",
    { FileName: [{ suffix: ".png" }] },
    { FileName: "photo.png" },
    true,
  ],
  [
    "OPERATORS: Ends with (ignore case) tbridge",
    "matches EVENTBRIDGE",
    { service: [{ suffix: { "equals-ignore-case": "tBridge" } }] },
    { service: "EVENTBRIDGE" },
    true,
  ],
  [
    "OPERATORS: Exists ProductName true",
    "matches when the field exists",
    { ProductName: [{ exists: true }] },
    { ProductName: "Widget" },
    true,
  ],
  [
    "OPERATORS: Exists ProductName true",
    "fails when the field is absent",
    { ProductName: [{ exists: true }] },
    { Other: 1 },
    false,
  ],
  [
    "OPERATORS: Not exists ProductName false",
    "matches when the field is absent",
    { ProductName: [{ exists: false }] },
    { Other: 1 },
    true,
  ],
  [
    "OPERATORS: Not exists ProductName false",
    "fails when the field exists",
    { ProductName: [{ exists: false }] },
    { ProductName: "Widget" },
    false,
  ],
  [
    "OPERATORS: Null UserID [null]",
    "fails when UserID is absent",
    { UserID: [null] },
    { Other: 1 },
    false,
  ],
  [
    "OPERATORS: Numeric (equals) Price 100",
    "matches 100",
    { Price: [{ numeric: ["=", 100] }] },
    { Price: 100 },
    true,
  ],
  [
    "OPERATORS: Numeric (range) Price > 10 <= 20",
    "matches 20",
    { Price: [{ numeric: [">", 10, "<=", 20] }] },
    { Price: 20 },
    true,
  ],
  [
    "OPERATORS: Numeric (range) Price > 10 <= 20",
    "fails on 10",
    { Price: [{ numeric: [">", 10, "<=", 20] }] },
    { Price: 10 },
    false,
  ],
  [
    "OPERATORS: Numeric only matches numbers",
    'fails on the string "15"',
    { Price: [{ numeric: [">", 10, "<=", 20] }] },
    { Price: "15" },
    false,
  ],
  [
    "OPERATORS: Or PaymentType Credit or Debit",
    "matches Debit",
    { PaymentType: ["Credit", "Debit"] },
    { PaymentType: "Debit" },
    true,
  ],
  [
    "OPERATORS: Or (multiple fields) $or Location / Day",
    "matches the second alternative",
    { $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] },
    { Location: "Boston", Day: "Monday" },
    true,
  ],
  [
    "OPERATORS: Or (multiple fields) $or Location / Day",
    "fails when no alternative matches",
    { $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] },
    { Location: "Boston", Day: "Friday" },
    false,
  ],
  [
    "OPERATORS: Wildcard dir/*.png",
    "matches dir/image.png",
    { FileName: [{ wildcard: "dir/*.png" }] },
    { FileName: "dir/image.png" },
    true,
  ],
  [
    "OPERATORS: Wildcard dir/*.png",
    "fails on dir/image.jpg",
    { FileName: [{ wildcard: "dir/*.png" }] },
    { FileName: "dir/image.jpg" },
    false,
  ],
  // Content filtering page
  [
    "FILTERING: Prefix matching time 2017-10-02",
    "matches 2017-10-02T18:43:48Z",
    { time: [{ prefix: "2017-10-02" }] },
    { time: "2017-10-02T18:43:48Z" },
    true,
  ],
  [
    "FILTERING: Anything-but list stopped / overloaded",
    "fails on overloaded",
    { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } },
    { detail: { state: "overloaded" } },
    false,
  ],
  [
    "FILTERING: Anything-but list stopped / overloaded",
    "matches running",
    { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } },
    { detail: { state: "running" } },
    true,
  ],
  [
    "FILTERING: Anything-but numbers 100 / 200 / 300",
    "fails on 200",
    { detail: { x: [{ "anything-but": [100, 200, 300] }] } },
    { detail: { x: 200 } },
    false,
  ],
  [
    "FILTERING: Anything-but numbers 100 / 200 / 300",
    "matches 250",
    { detail: { x: [{ "anything-but": [100, 200, 300] }] } },
    { detail: { x: 250 } },
    true,
  ],
  [
    "FILTERING: Anything-but prefix init",
    "fails on initializing",
    { detail: { state: [{ "anything-but": { prefix: "init" } }] } },
    { detail: { state: "initializing" } },
    false,
  ],
  [
    "FILTERING: Anything-but suffix .txt (list form)",
    "fails on notes.txt",
    { detail: { FileName: [{ "anything-but": { suffix: [".txt", ".md"] } }] } },
    { detail: { FileName: "notes.txt" } },
    false,
  ],
  [
    "FILTERING: Anything-but ignore case list Stopped / OverLoaded",
    "fails on stopped",
    {
      detail: { state: [{ "anything-but": { "equals-ignore-case": ["Stopped", "OverLoaded"] } }] },
    },
    { detail: { state: "stopped" } },
    false,
  ],
  [
    "FILTERING: Anything-but needs the field",
    "fails when the field is absent",
    { detail: { state: [{ "anything-but": "initializing" }] } },
    { detail: {} },
    false,
  ],
  [
    "FILTERING: Numeric $or c-count / d-count / x-limit",
    "matches c-count 5",
    metricsPattern,
    { detail: { "c-count": 5, "d-count": 12, "x-limit": 1 } },
    true,
  ],
  [
    "FILTERING: Numeric $or c-count / d-count / x-limit",
    "matches x-limit 301.8",
    metricsPattern,
    { detail: { "c-count": 0, "d-count": 10, "x-limit": 301.8 } },
    true,
  ],
  [
    "FILTERING: Numeric $or c-count / d-count / x-limit",
    "fails when no range holds",
    metricsPattern,
    { detail: { "c-count": 6, "d-count": 10, "x-limit": 300 } },
    false,
  ],
  [
    "FILTERING: IP address matching 10.0.0.0/24",
    "matches 10.0.0.123",
    { detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } },
    { detail: { "source-ip": "10.0.0.123" } },
    true,
  ],
  [
    "FILTERING: IP address matching 10.0.0.0/24",
    "fails on 10.0.1.1",
    { detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } },
    { detail: { "source-ip": "10.0.1.1" } },
    false,
  ],
  [
    "FILTERING: Exists matching c-count false",
    "matches an event without c-count",
    { detail: { "c-count": [{ exists: false }] } },
    { detail: { "d-count": 1 } },
    true,
  ],
  [
    "FILTERING: Exists only works on leaf nodes",
    "fails when exists:true meets an object",
    { detail: [{ exists: true }] },
    { detail: { a: 1 } },
    false,
  ],
  [
    "FILTERING: Wildcard EventBusArn arn:aws:events:us-east-1:*:event-bus/*",
    "matches any account and bus",
    { EventBusArn: [{ wildcard: "arn:aws:events:us-east-1:*:event-bus/*" }] },
    { EventBusArn: "arn:aws:events:us-east-1:123456789012:event-bus/orders" },
    true,
  ],
  [
    "FILTERING: Wildcard escapes \\*",
    "matches a literal star only",
    { name: [{ wildcard: "a\\*b" }] },
    { name: "axxb" },
    false,
  ],
  [
    "FILTERING: $or nested inside a field",
    "matches the metric alternative",
    {
      source: ["aws.cloudwatch"],
      $or: [
        { metricName: ["CPUUtilization", "ReadLatency"] },
        { namespace: ["AWS/EC2", "AWS/ES"] },
      ],
    },
    { source: "aws.cloudwatch", metricName: "Other", namespace: "AWS/ES" },
    true,
  ],
];

describe("event pattern conformance (AWS user guide examples)", () => {
  it("has at least 40 rows", () => {
    // Assess
    expect(rows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(rows)("%s: %s", (_doc, _name, pattern, event, expected) => {
    // Prepare
    assertPattern(pattern);
    // Act
    const result = matchesPattern(pattern, event);
    // Assess
    expect(result).toEqual(expected);
  });
});

describe("event pattern validation", () => {
  it("fails when the pattern is not an object", () => {
    // Act / Assess
    expect(() => assertPattern(["x"])).toThrow(EventPatternError);
  });
});
